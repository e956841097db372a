"""Artifact types and channels.

The standard types mirror TFX's: Examples, ExampleStatistics, ExampleAnomalies, Schema,
TransformGraph, TransformCache, Model, ModelRun, HyperParameters, ModelEvaluation,
ModelBlessing, InfraBlessing, PushedModel, InferenceResult, and the value artifacts String,
Integer, Float, Bytes (`.value`). Split-aware ones keep each split under `<uri>/Split-<name>/`;
each type names its files as TFX does (`Schema.schema_path`, `ExampleStatistics.stats_path`,
`Model.serving_model_dir`, ...).
"""

from tfx_core.types._artifact import (ANOMALIES_FILE, EVAL_MODEL_DIR, HYPERPARAMETERS_FILE,
                                      SCHEMA_FILE,
                                      SERVING_MODEL_DIR, STANDARD_TYPES, STATS_FILE, Artifact,
                                      Bytes, ExampleAnomalies, ExampleStatistics, Examples,
                                      Float, HyperParameters, InferenceResult, InfraBlessing,
                                      Integer, Model, ModelBlessing, ModelEvaluation, ModelRun,
                                      PushedModel, Schema, String, TransformCache,
                                      TransformGraph, ValueArtifact, artifact_class, register)
from tfx_core.types._channel import Channel

__all__ = [
    "ANOMALIES_FILE", "EVAL_MODEL_DIR", "HYPERPARAMETERS_FILE", "SCHEMA_FILE",
    "SERVING_MODEL_DIR", "STATS_FILE",
    "Bytes", "Float", "Integer", "String", "ValueArtifact",
    "STANDARD_TYPES", "Artifact", "Channel", "ExampleAnomalies", "ExampleStatistics", "Examples",
    "HyperParameters", "InferenceResult", "InfraBlessing", "Model", "ModelBlessing",
    "ModelEvaluation", "ModelRun", "PushedModel", "Schema", "TransformCache", "TransformGraph",
    "artifact_class", "register",
]
