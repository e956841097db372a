"""Trainer: the user's run_fn(FnArgs) trains on the examples (raw, or Transform's) and saves a
SavedModel to fn_args.serving_model_dir (the Model's Format-Serving/)."""

from tfx_core.components.trainer.executor import TrainerExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import trainer_pb2
from tfx_core.types import Examples, HyperParameters, Model, ModelRun, Schema, TransformGraph


class TrainerSpec(ComponentSpec):
  PARAMETERS = {
      # The user code: a file defining `run_fn`, or "package.module.function".
      "module_file": ExecutionParameter(str, optional=True),
      "run_fn": ExecutionParameter(str, optional=True),
      "train_args": ExecutionParameter(trainer_pb2.TrainArgs, optional=True),  # splits, steps
      "eval_args": ExecutionParameter(trainer_pb2.EvalArgs, optional=True),
      "custom_config": ExecutionParameter(dict, optional=True),  # fn_args.custom_config
  }
  INPUTS = {
      "examples": ChannelParameter(Examples),
      "transform_graph": ChannelParameter(TransformGraph, optional=True),
      "schema": ChannelParameter(Schema, optional=True),
      "hyperparameters": ChannelParameter(HyperParameters, optional=True),
      "base_model": ChannelParameter(Model, optional=True),  # Warm start: fn_args.base_model.
  }
  OUTPUTS = {"model": ChannelParameter(Model), "model_run": ChannelParameter(ModelRun)}


class Trainer(BaseComponent):
  SPEC_CLASS = TrainerSpec
  EXECUTOR_CLASS = TrainerExecutor
