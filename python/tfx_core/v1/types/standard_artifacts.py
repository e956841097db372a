"""`tfx.v1.types.standard_artifacts`: TFX's artifact types, and its value artifacts."""

from tfx_core.types import (Bytes, ExampleAnomalies, Examples, ExampleStatistics, Float,
                            HyperParameters, InferenceResult, InfraBlessing, Integer, Model,
                            ModelBlessing, ModelEvaluation, ModelRun, PushedModel, Schema,
                            String, TransformCache, TransformGraph)

__all__ = [
    "Bytes", "ExampleAnomalies", "ExampleStatistics", "Examples", "Float", "HyperParameters",
    "InferenceResult", "InfraBlessing", "Integer", "Model", "ModelBlessing", "ModelEvaluation",
    "ModelRun", "PushedModel", "Schema", "String", "TransformCache", "TransformGraph",
]
