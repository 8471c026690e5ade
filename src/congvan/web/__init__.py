"""The browser workspace (FastAPI + Jinja2 + htmx)."""
