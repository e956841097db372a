"""SchemaGen and ImportSchemaGen."""

from tfx_core.components.schema_gen.component import ImportSchemaGen, SchemaGen

__all__ = ["ImportSchemaGen", "SchemaGen"]
