"""CLI commands: counting."""
