"""SCIM protocol: request parsing, filters, PATCH bodies, list responses, errors, discovery."""
