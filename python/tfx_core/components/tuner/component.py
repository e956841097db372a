"""Tuner: the user's tuner_fn(FnArgs) returns a KerasTuner tuner and the keyword arguments of
its search; the best hyperparameters found become a HyperParameters artifact the Trainer's
`hyperparameters` input takes."""

from typing import Any, Dict, NamedTuple

from tfx_core.components.tuner.executor import TunerExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import trainer_pb2, tuner_pb2
from tfx_core.types import Examples, HyperParameters, Model, Schema, TransformGraph


class TunerFnResult(NamedTuple):
  """What tuner_fn returns (TFX's): a KerasTuner tuner, and the arguments of tuner.search."""
  tuner: Any
  fit_kwargs: Dict[str, Any]


class TunerSpec(ComponentSpec):
  PARAMETERS = {
      # The user code: a file defining `tuner_fn`, or "package.module.function".
      "module_file": ExecutionParameter(str, optional=True),
      "tuner_fn": ExecutionParameter(str, optional=True),
      "train_args": ExecutionParameter(trainer_pb2.TrainArgs, optional=True),
      "eval_args": ExecutionParameter(trainer_pb2.EvalArgs, optional=True),
      "tune_args": ExecutionParameter(tuner_pb2.TuneArgs, optional=True),
      "custom_config": ExecutionParameter(dict, optional=True),
  }
  INPUTS = {
      "examples": ChannelParameter(Examples),
      "schema": ChannelParameter(Schema, optional=True),
      "transform_graph": ChannelParameter(TransformGraph, optional=True),
      "base_model": ChannelParameter(Model, optional=True),  # fn_args.base_model
  }
  OUTPUTS = {"best_hyperparameters": ChannelParameter(HyperParameters)}


class Tuner(BaseComponent):
  SPEC_CLASS = TunerSpec
  EXECUTOR_CLASS = TunerExecutor
