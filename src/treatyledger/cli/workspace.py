"""CLI commands: workspace."""
