"""Evaluator: the candidate model (and its baseline) over the eval split, per slice, on the C++
metrics; thresholds decide the ModelBlessing (TFX's Evaluator, with TFMA's EvalConfig)."""

from tfx_core.components.evaluator.executor import EvaluatorExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import eval_config_pb2
from tfx_core.types import Examples, Model, ModelBlessing, ModelEvaluation, Schema


class EvaluatorSpec(ComponentSpec):
  PARAMETERS = {
      "eval_config": ExecutionParameter(eval_config_pb2.EvalConfig),
      "example_splits": ExecutionParameter(list, optional=True),  # Default: ["eval"].
      # FairnessIndicators at these thresholds, added to the config's metrics (TFX's argument).
      "fairness_indicator_thresholds": ExecutionParameter(list, optional=True),
      "batch_size": ExecutionParameter(int, optional=True),
  }
  INPUTS = {
      "examples": ChannelParameter(Examples),
      # Optional: without it, ModelSpec.prediction_key names a predictions column.
      "model": ChannelParameter(Model, optional=True),
      "baseline_model": ChannelParameter(Model, optional=True),
      "schema": ChannelParameter(Schema, optional=True),
  }
  OUTPUTS = {"evaluation": ChannelParameter(ModelEvaluation),
             "blessing": ChannelParameter(ModelBlessing)}


class Evaluator(BaseComponent):
  SPEC_CLASS = EvaluatorSpec
  EXECUTOR_CLASS = EvaluatorExecutor
