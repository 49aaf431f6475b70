"""The HTTP API (FastAPI), the settings object and the `tandem` command line."""
