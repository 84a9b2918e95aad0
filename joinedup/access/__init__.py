"""Need-to-know access: the one written policy that decides who may see what."""
