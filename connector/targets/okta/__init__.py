"""The packaged target: Okta's Users API."""
