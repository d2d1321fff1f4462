"""CLI commands: inspect."""
