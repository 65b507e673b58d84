"""On-premises Azure Relay Hybrid Connection listener that forwards to one local REST app.

Run it with `python -m relay_agent --help`; see README.md for installation as a service.
"""
