"""Offline checks of the Azure deployment: azure.yaml, infra/*.bicep, infra/main.parameters.json."""
