"""Targets: the applications users are provisioned into."""
