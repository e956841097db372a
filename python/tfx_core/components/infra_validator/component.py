"""InfraValidator: starts tfx_core's model server on the candidate model on loopback and checks
that it loads (LOAD_ONLY) and, with a request_spec, answers requests built from examples
(LOAD_AND_QUERY); writes TFX's InfraBlessing, which the Pusher honours."""

from tfx_core.components.infra_validator.executor import InfraValidatorExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import infra_validator_pb2
from tfx_core.types import Examples, InfraBlessing, Model


class InfraValidatorSpec(ComponentSpec):
  PARAMETERS = {
      "serving_spec": ExecutionParameter(infra_validator_pb2.ServingSpec),
      "validation_spec": ExecutionParameter(infra_validator_pb2.ValidationSpec, optional=True),
      "request_spec": ExecutionParameter(infra_validator_pb2.RequestSpec, optional=True),
  }
  INPUTS = {
      "model": ChannelParameter(Model),
      "examples": ChannelParameter(Examples, optional=True),  # For request_spec's requests.
  }
  OUTPUTS = {"blessing": ChannelParameter(InfraBlessing)}


class InfraValidator(BaseComponent):
  SPEC_CLASS = InfraValidatorSpec
  EXECUTOR_CLASS = InfraValidatorExecutor
