"""ExampleValidator: anomalies, skew and drift."""

from tfx_core.components.example_validator.component import ExampleValidator

__all__ = ["ExampleValidator"]
