"""Committed Bicep type data (see README.md) and the script that refreshes it."""
