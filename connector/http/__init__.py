"""HTTP adapter: Azure Functions routes, the bearer check and SCIM responses."""
