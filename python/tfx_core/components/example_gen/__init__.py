"""ExampleGen: files in, Parquet splits out."""

from tfx_core.components.example_gen.component import ExampleGen

__all__ = ["ExampleGen"]
