"""`tfx.v1.dsl.components`: Python functions as components."""

from tfx_core.dsl import InputArtifact, OutputArtifact, OutputDict, Parameter, component

__all__ = ["InputArtifact", "OutputArtifact", "OutputDict", "Parameter", "component"]
