"""Artifact types and channels.

The standard types mirror TFX's: Examples, ExampleStatistics, ExampleAnomalies, Schema,
TransformGraph, TransformCache, Model, ModelRun, HyperParameters, ModelEvaluation,
ModelBlessing, InfraBlessing, PushedModel, InferenceResult. Split-aware ones keep each split
under `<uri>/Split-<name>/`.
"""

from tfx_core.types._artifact import (STANDARD_TYPES, Artifact, ExampleAnomalies,
                                      ExampleStatistics, Examples, HyperParameters,
                                      InferenceResult, InfraBlessing, Model, ModelBlessing,
                                      ModelEvaluation, ModelRun, PushedModel, Schema,
                                      TransformCache, TransformGraph, artifact_class, register)
from tfx_core.types._channel import Channel

__all__ = [
    "STANDARD_TYPES", "Artifact", "Channel", "ExampleAnomalies", "ExampleStatistics", "Examples",
    "HyperParameters", "InferenceResult", "InfraBlessing", "Model", "ModelBlessing",
    "ModelEvaluation", "ModelRun", "PushedModel", "Schema", "TransformCache", "TransformGraph",
    "artifact_class", "register",
]
