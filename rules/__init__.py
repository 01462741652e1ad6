"""All rules."""
