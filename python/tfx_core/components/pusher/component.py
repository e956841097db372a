"""Pusher: copies a blessed model into a serving directory as a new version (TFX's Pusher;
PushDestination.Filesystem, versions named by UNIX timestamp)."""

from tfx_core.components.pusher.executor import PusherExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import pusher_pb2
from tfx_core.types import InfraBlessing, Model, ModelBlessing, PushedModel


class PusherSpec(ComponentSpec):
  PARAMETERS = {
      "push_destination": ExecutionParameter(pusher_pb2.PushDestination),
      "custom_config": ExecutionParameter(dict, optional=True),
  }
  INPUTS = {
      # Optional when infra_blessing carries the model (InfraValidator's make_warmup).
      "model": ChannelParameter(Model, optional=True),
      "model_blessing": ChannelParameter(ModelBlessing, optional=True),
      "infra_blessing": ChannelParameter(InfraBlessing, optional=True),
  }
  OUTPUTS = {"pushed_model": ChannelParameter(PushedModel)}


class Pusher(BaseComponent):
  SPEC_CLASS = PusherSpec
  EXECUTOR_CLASS = PusherExecutor
