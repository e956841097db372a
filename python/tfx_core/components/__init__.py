"""The standard components: ExampleGen -> StatisticsGen -> SchemaGen -> ExampleValidator ->
Transform -> Tuner -> Trainer -> Evaluator -> InfraValidator -> Pusher, and BulkInferrer."""

from tfx_core.components.bulk_inferrer import BulkInferrer
from tfx_core.components.evaluator import Evaluator
from tfx_core.components.example_gen import ExampleGen
from tfx_core.components.example_validator import ExampleValidator
from tfx_core.components.infra_validator import InfraValidator
from tfx_core.components.pusher import Pusher
from tfx_core.components.schema_gen import ImportSchemaGen, SchemaGen
from tfx_core.components.statistics_gen import StatisticsGen
from tfx_core.components.trainer import Trainer
from tfx_core.components.transform import Transform
from tfx_core.components.tuner import Tuner, TunerFnResult

__all__ = ["BulkInferrer", "Evaluator", "ExampleGen", "ExampleValidator", "ImportSchemaGen", "InfraValidator",
           "Pusher",
           "SchemaGen", "StatisticsGen", "Trainer", "Transform", "Tuner", "TunerFnResult"]
