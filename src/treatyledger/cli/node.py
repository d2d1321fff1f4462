"""CLI commands: node."""
