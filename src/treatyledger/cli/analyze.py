"""CLI commands: analyze."""
