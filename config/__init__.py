"""Project configuration: settings from the environment, URLs and the WSGI entry point."""
