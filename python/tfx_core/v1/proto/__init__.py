"""TFX's component config protos (`tfx.v1.proto`): the same message, field and enum names and
numbers, in tfx_core's packages."""

from tfx_core.proto.bulk_inferrer_pb2 import (ClassifyOutput, DataSpec, ModelSpec,
                                              OutputColumnsSpec, OutputExampleSpec,
                                              PredictOutput, PredictOutputCol, RegressOutput)
from tfx_core.proto.example_gen_pb2 import (CustomConfig, FileFormat, Input, Output,
                                            PayloadFormat, SplitConfig)
from tfx_core.proto.infra_validator_pb2 import (EnvVar, EnvVarSource, KubernetesConfig,
                                                LocalDockerConfig, PodOverrides, RequestSpec,
                                                Resources, SecretKeySelector, ServingSpec,
                                                TensorFlowServing, TensorFlowServingRequestSpec,
                                                ValidationSpec)
from tfx_core.proto.pusher_pb2 import PushDestination, Versioning
from tfx_core.proto.range_config_pb2 import RangeConfig, RollingRange, StaticRange
from tfx_core.proto.trainer_pb2 import EvalArgs, TrainArgs
from tfx_core.proto.transform_pb2 import SplitsConfig
from tfx_core.proto.tuner_pb2 import TuneArgs

# TFX's enum values at module level, as `tfx.proto.FORMAT_TF_EXAMPLE` etc.
from tfx_core.proto.example_gen_pb2 import (FILE_FORMAT_PARQUET, FILE_FORMAT_UNSPECIFIED,  # noqa: E402
                                            FORMAT_PARQUET, FORMAT_PROTO, FORMAT_TF_EXAMPLE,
                                            FORMAT_TF_SEQUENCE_EXAMPLE, FORMAT_TFRECORDS_GZIP,
                                            FORMAT_UNSPECIFIED)

__all__ = [
    "ClassifyOutput", "CustomConfig", "DataSpec", "EnvVar", "EnvVarSource", "EvalArgs",
    "FileFormat", "Input", "KubernetesConfig", "LocalDockerConfig", "ModelSpec", "Output",
    "OutputColumnsSpec", "OutputExampleSpec", "PayloadFormat", "PodOverrides", "PredictOutput",
    "PredictOutputCol", "PushDestination", "RangeConfig", "RegressOutput", "RequestSpec",
    "Resources", "RollingRange", "SecretKeySelector", "ServingSpec", "SplitConfig",
    "SplitsConfig", "StaticRange", "TensorFlowServing", "TensorFlowServingRequestSpec",
    "TrainArgs", "TuneArgs", "ValidationSpec", "Versioning",
    "FILE_FORMAT_PARQUET", "FILE_FORMAT_UNSPECIFIED", "FORMAT_PARQUET", "FORMAT_PROTO",
    "FORMAT_TF_EXAMPLE", "FORMAT_TF_SEQUENCE_EXAMPLE", "FORMAT_TFRECORDS_GZIP",
    "FORMAT_UNSPECIFIED",
]
