"""@component: a Python function as a pipeline component.

    @component
    def Train(examples: InputArtifact[Examples], model: OutputArtifact[Model],
              steps: Parameter[int] = 100) -> OutputDict(loss=float):
      ...
      return {"loss": 0.25}

Each input arrives as one Artifact (None for an optional input left out); each output is an
Artifact whose uri folder the function writes into; returned values are recorded on the
execution as output properties ("output:<name>").
"""

import inspect

from tfx_core.dsl._component import (BaseComponent, BaseExecutor, ChannelParameter,
                                     ComponentSpec, ExecutionParameter)


class _Annotation:
  def __init__(self, kind, type_):
    self.kind, self.type = kind, type_


class _Marker:
  def __init__(self, kind):
    self._kind = kind

  def __getitem__(self, type_):
    return _Annotation(self._kind, type_)


InputArtifact = _Marker("input")
OutputArtifact = _Marker("output")
Parameter = _Marker("parameter")


class OutputDict:
  """Return annotation naming the function's output properties and their types."""

  def __init__(self, **types):
    self.types = types


OUTPUT_PROPERTY_PREFIX = "output:"


def component(function):
  """Turns `function` into a component class named after it (see the module docstring)."""
  signature = inspect.signature(function)
  parameters, inputs, outputs = {}, {}, {}
  for name, arg in signature.parameters.items():
    note = arg.annotation
    if not isinstance(note, _Annotation):
      raise TypeError("@component %s: argument %r needs an InputArtifact[...], "
                      "OutputArtifact[...] or Parameter[...] annotation" % (
                          function.__name__, name))
    optional = arg.default is not inspect.Parameter.empty
    if note.kind == "parameter":
      parameters[name] = ExecutionParameter(note.type, optional=optional)
    elif note.kind == "input":
      inputs[name] = ChannelParameter(note.type, optional=optional)
    else:
      outputs[name] = ChannelParameter(note.type)
  returns = signature.return_annotation
  output_types = returns.types if isinstance(returns, OutputDict) else {}
  defaults = {n: a.default for n, a in signature.parameters.items()
              if a.default is not inspect.Parameter.empty and n in parameters}

  class _Executor(BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):  # pylint: disable=invalid-name
      kwargs = dict(defaults)
      kwargs.update(exec_properties)
      for key in inputs:
        kwargs[key] = (input_dict.get(key) or [None])[0]
      for key in outputs:
        kwargs[key] = output_dict[key][0]
      result = function(**kwargs) or {}
      missing = set(output_types) - set(result)
      if missing:
        raise ValueError("@component %s returned no value for %s" % (
            function.__name__, sorted(missing)))
      return {k: output_types[k](result[k]) for k in output_types}

  spec = type(function.__name__ + "Spec", (ComponentSpec,), {
      "PARAMETERS": parameters, "INPUTS": inputs, "OUTPUTS": outputs})
  cls = type(function.__name__, (BaseComponent,), {
      "SPEC_CLASS": spec, "EXECUTOR_CLASS": _Executor, "__doc__": function.__doc__,
      "__module__": function.__module__, "__qualname__": function.__qualname__,
      "function": staticmethod(function),
      "module_files": classmethod(lambda c, _: [inspect.getsourcefile(function)]),
  })
  return cls


