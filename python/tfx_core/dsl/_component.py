"""Components: a spec of typed inputs, outputs and parameters, plus the executor that runs them."""

import builtins
import typing

from tfx_core.dsl._beam_options import pipeline_options
from tfx_core.dsl._cond import active_conditions
from tfx_core.types import Artifact, Channel


class ExecutionParameter:
  """A parameter of Python type `type` (int, float, str, bool, list or dict)."""

  def __init__(self, type, optional=False):  # pylint: disable=redefined-builtin
    self.type = type
    self.optional = optional


class ChannelParameter:
  """An input or output channel carrying artifacts of `type` (an Artifact subclass)."""

  def __init__(self, type, optional=False):  # pylint: disable=redefined-builtin
    if not (isinstance(type, builtins.type) and issubclass(type, Artifact)):
      raise TypeError("ChannelParameter type must be an Artifact subclass, got %r" % (type,))
    self.type = type
    self.optional = optional



class ComponentSpec:
  """Declares a component's PARAMETERS, INPUTS and OUTPUTS (name -> parameter objects).

  Constructing a spec checks the arguments: unknown names, missing required inputs and
  parameters, channels of the wrong artifact type and parameters of the wrong Python type are
  errors that name the component and the field.
  """

  PARAMETERS = {}
  INPUTS = {}
  OUTPUTS = {}

  def __init__(self, component_name, **kwargs):
    self.exec_properties, self.inputs, self.outputs = {}, {}, {}
    fields = {**self.PARAMETERS, **self.INPUTS, **self.OUTPUTS}
    for name in kwargs:
      if name not in fields:
        raise TypeError("%s got an unknown argument %r (it takes: %s)" % (
            component_name, name, ", ".join(sorted(fields))))
    for name, spec in self.INPUTS.items():
      channel = kwargs.get(name)
      if channel is None:
        if not spec.optional:
          raise ValueError("%s is missing its required input %r (%s)" % (
              component_name, name, spec.type.TYPE_NAME))
        continue
      if not isinstance(channel, Channel):
        raise TypeError("%s input %r must be a Channel of %s, got %r" % (
            component_name, name, spec.type.TYPE_NAME, channel))
      if channel.type.TYPE_NAME != spec.type.TYPE_NAME:
        raise TypeError("%s input %r expects %s artifacts but was given %r" % (
            component_name, name, spec.type.TYPE_NAME, channel))
      self.inputs[name] = channel
    for name, spec in self.PARAMETERS.items():
      if name not in kwargs or kwargs[name] is None:
        if not spec.optional:
          raise ValueError("%s is missing its required parameter %r (%s)" % (
              component_name, name, spec.type.__name__))
        continue
      value = kwargs[name]
      expected = typing.get_origin(spec.type) or spec.type
      if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
      if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise TypeError("%s parameter %r must be %s, got %r" % (
            component_name, name, getattr(expected, "__name__", expected), value))
      self.exec_properties[name] = value
    for name, spec in self.OUTPUTS.items():
      self.outputs[name] = spec.type


class BaseExecutor:
  """Runs a component: `Do(input_dict, output_dict, exec_properties)` with dicts of key -> list
  of Artifact. Output artifacts' uris point into a staging folder the runner publishes only
  if Do returns; set their properties inside Do."""

  def __init__(self, context=None):
    self.context = context or ExecutorContext()

  def Do(self, input_dict, output_dict, exec_properties):  # pylint: disable=invalid-name
    raise NotImplementedError

  def make_beam_pipeline(self):
    """A Beam pipeline with the run's --beam_pipeline_args (the in-process FnApiRunner unless
    they name a --runner)."""
    import apache_beam as beam  # pylint: disable=import-outside-toplevel
    self.context.raise_if_cancelled()
    return beam.Pipeline(options=pipeline_options(self.context.beam_pipeline_args))


class ExecutionCancelled(KeyboardInterrupt):
  """The run was interrupted (Ctrl-C): the execution stops and is recorded FAILED."""


class ExecutorContext:
  """What the runner tells an executor besides its inputs: Beam args, ids, a temp folder, and
  whether the run was cancelled (long executors call raise_if_cancelled between passes)."""

  def __init__(self, beam_pipeline_args=(), pipeline_name="", run_id="", node_id="",
               execution_id=0, tmp_dir=None, node_dir=None, cancelled=None):
    self.beam_pipeline_args = list(beam_pipeline_args)
    self.pipeline_name = pipeline_name
    self.run_id = run_id
    self.node_id = node_id
    self.execution_id = execution_id
    self.tmp_dir = tmp_dir
    self.node_dir = node_dir  # This node's folder, kept across executions (for caches).
    self.cancelled = cancelled  # A threading.Event, set when the run is interrupted.

  def raise_if_cancelled(self):
    if self.cancelled is not None and self.cancelled.is_set():
      raise ExecutionCancelled("node %s: the run was interrupted" % self.node_id)


class BaseNode:
  """A pipeline node: an id, input channels, output channels and execution options."""

  def __init__(self, node_id):
    self._id = node_id
    self.inputs = {}
    self.outputs = {}
    self.exec_properties = {}
    self.upstream_nodes = set()
    self.conditions = active_conditions()  # Of the `with Cond(...)` blocks it is defined in.
    self.enable_cache = True
    self.max_retries = 0
    self.retry_backoff_seconds = 1.0

  @property
  def id(self):
    return self._id

  def with_id(self, node_id):
    for channel in self.outputs.values():
      channel.producer_id = node_id
    self._id = node_id
    return self

  def with_retries(self, max_retries, backoff_seconds=1.0):
    """Retry a failed execution up to `max_retries` times, waiting backoff_seconds * 2**attempt."""
    self.max_retries = int(max_retries)
    self.retry_backoff_seconds = float(backoff_seconds)
    return self

  def with_cache(self, enabled):
    """Per-node cache switch (the pipeline's and the run's switches must also be on)."""
    self.enable_cache = bool(enabled)
    return self

  def add_upstream_node(self, node):
    """Run after `node` even without a data dependency."""
    self.upstream_nodes.add(node)
    return self

  def _output_channels(self, output_types):
    self.outputs = {key: Channel(t, producer_id=self._id, output_key=key)
                    for key, t in output_types.items()}


class BaseComponent(BaseNode):
  """A component: subclasses set SPEC_CLASS (a ComponentSpec), EXECUTOR_CLASS (a BaseExecutor)
  and VERSION (part of the cache key: bump it when the executor's output changes)."""

  SPEC_CLASS = None
  EXECUTOR_CLASS = None
  VERSION = "1"

  def __init__(self, **kwargs):
    super().__init__(type(self).__name__)
    self.spec = self.SPEC_CLASS(type(self).__name__, **kwargs)
    self.inputs = dict(self.spec.inputs)
    self.exec_properties = dict(self.spec.exec_properties)
    self._output_channels(self.spec.outputs)

  @classmethod
  def module_files(cls, exec_properties):
    """User code this component runs, fingerprinted for caching: a `module_file` parameter."""
    module_file = exec_properties.get("module_file")
    return [module_file] if module_file else []

  @classmethod
  def external_inputs(cls, exec_properties):
    """Files read from outside the pipeline (not artifacts), fingerprinted for caching."""
    del exec_properties
    return []
