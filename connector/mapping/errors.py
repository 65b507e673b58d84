"""The one error the schema layer raises for an inconsistent Schema.xml or mapping."""


class SchemaError(Exception):
    """Schema.xml and the mapping do not fit together; the message says what to fix."""
