"""Benchmarks of the connector against the Okta simulator (not part of `make test`)."""
