"""CLI commands: log."""
