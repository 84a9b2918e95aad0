"""Server-rendered GOV.UK-styled screens that compose the domain apps."""
