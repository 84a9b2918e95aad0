"""Practice (issue 13): one module per part."""
