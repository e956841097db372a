"""How preprocessing_fn is traced (DESIGN.md, "Transform: how preprocessing_fn is traced").

preprocessing_fn is traced more than once. In a trace, every analyzer call gets a key from its
position in the trace (calls on the same tensor with the same parameters share one). An
analyzer whose value is known returns constants; a pending one records a Request (its input
tensors and parameters) and returns placeholders. A pass over the data computes the requests
whose inputs do not depend on another pending analyzer; the loop repeats until nothing is
pending, and the last trace (all constants) is the TransformGraph.
"""

import contextlib
import dataclasses
import threading
from typing import Any, Callable, Dict, List, Optional

import tensorflow as tf

_local = threading.local()


@dataclasses.dataclass
class Request:
  """A pending analyzer: what a pass over the data must compute."""
  key: str
  kind: str                 # moments | quantiles | vocabulary | keyed_moments |
                            # keyed_quantiles | covariance
  label: str                # For messages: the analyzer and the features it reads.
  inputs: List[tf.Tensor]   # Flat value tensors (a SparseTensor contributes its values).
  params: Dict[str, Any]
  source: Optional[str]     # The raw feature read as is (no TensorFlow needed), if any.


@dataclasses.dataclass
class Output:
  """One output of an analyzer: its dtype, shape, and how to make it from the known value."""
  dtype: tf.DType
  shape: List[Optional[int]]
  from_value: Callable[[Any], Any]


class AnalyzerOutputs(dict):
  """An analyzer's output tensors; `value` is its known value (None while pending) and `source`
  the raw feature it reads as is (None if computed)."""

  def __init__(self, outputs, value, source):
    super().__init__(outputs)
    self.value, self.source = value, source


class Trace:
  """State of one tracing pass of preprocessing_fn."""

  def __init__(self, known, raw_inputs, file_tensor, columnar=None):
    """columnar: the raw features that are one column as is (default: all)."""
    self.known = known            # key -> value, from earlier passes.
    self.pending: List[Request] = []
    self._file_tensor = file_tensor  # File name -> tensor (an asset's path when saving).
    self._columns = {}            # Value tensor ref -> the raw feature whose column it is.
    self._sources = {}            # Any component tensor ref -> its raw feature.
    for name, tensor in raw_inputs.items():
      if columnar is None or name in columnar:
        self._columns[_values_of(tensor).ref()] = name
      for component in components(tensor):
        self._sources[component.ref()] = name
    self._placeholder_ops = set()
    self._keys = {}
    self._count = 0
    self._direct = {}             # Output value tensor ref -> how the batch path computes it.
    self._files = {}              # File name -> the analyzer key writing it.
    self._domains = {}            # Output value tensor ref -> (min, max) of its integer ids.
    self._vocabulary_sizes = {}   # Vocabulary file tensor ref -> its size.

  def flat_values(self, x, analyzer):
    """(1-D values of x, the raw feature it is, if it is one as is)."""
    if not isinstance(x, (tf.Tensor, tf.SparseTensor, tf.RaggedTensor, tf.Variable)):
      try:
        x = tf.convert_to_tensor(x)
      except (TypeError, ValueError):
        raise TypeError("%s expects a Tensor, SparseTensor or RaggedTensor; got %r" % (
            analyzer, x)) from None
    values = _values_of(x)
    source = self._columns.get(values.ref())
    if values.shape.rank != 1:
      values = tf.reshape(values, [-1])
    return values, source

  def features_of(self, tensors):
    """Names of the raw features `tensors` are computed from (for error messages)."""
    return sorted({self._sources[out.ref()] for op in ops_behind(tensors) for out in op.outputs
                   if out.ref() in self._sources})

  def analyze(self, kind, name, inputs, params, source, outputs):
    """Registers one analyzer call; returns its outputs (constants or placeholders). `source`
    is the raw feature the single input is as is (read from Arrow without TensorFlow)."""
    source = source if len(inputs) == 1 else None
    signature = (kind, tuple(t.ref() for t in inputs), tuple(sorted(params.items())))
    key = self._keys.get(signature)
    if key is None:
      key = "%s_%d" % (name, self._count)
      self._count += 1
      self._keys[signature] = key
      if kind in FILE_KINDS:  # Two analyzers writing one file would overwrite each other.
        filename = params.get("filename") or key
        if filename in self._files:
          raise ValueError("analyzers %s and %s both write the file %r; give them distinct "
                           "vocab_filename / key_vocabulary_filename" % (
                               self._files[filename], key, filename))
        self._files[filename] = key
      if key not in self.known:
        features = self.features_of(inputs)
        label = "%s(%s)" % (name, ", ".join(features) or "constants")
        self.pending.append(Request(key, kind, label, list(inputs), dict(params), source))
    if key in self.known:
      value = self.known[key]
      return AnalyzerOutputs({k: o.from_value(value) for k, o in outputs.items()}, value, source)
    placeholders = {}
    for k, o in outputs.items():
      p = tf.compat.v1.placeholder(o.dtype, o.shape, name="%s_%s" % (key, k))
      self._placeholder_ops.add(p.op.name)
      placeholders[k] = p
    return AnalyzerOutputs(placeholders, None, source)

  def record_direct(self, result, source, mapper, **params):
    """Notes that `result` is a C++ mapper applied to the raw column `source` with known
    parameters, so the batch path can run that kernel on the Arrow column without TensorFlow
    (the same functor the TF op runs: same bits)."""
    values = _values_of(result)
    self._direct[values.ref()] = dict(params, mapper=mapper, feature=source)

  def record_domain(self, result, low, high):
    """Notes that `result` holds category ids in [low, high] (vocabulary ids, bucket ids):
    ints, or scalar tensors while the analyzer they come from is pending."""
    self._domains[_values_of(result).ref()] = (low, high)

  def record_vocabulary(self, file_tensor, size):
    """Notes the size (an int, or a tensor while pending) of the vocabulary at file_tensor, for
    the int_domain of what apply_vocabulary looks up in it."""
    self._vocabulary_sizes[file_tensor.ref()] = size

  def vocabulary_size(self, file_tensor):
    if not isinstance(file_tensor, tf.Tensor):
      return None
    return self._vocabulary_sizes.get(file_tensor.ref())

  def domain(self, result):
    """(low, high) recorded for `result`, or None."""
    if not isinstance(result, (tf.Tensor, tf.SparseTensor, tf.RaggedTensor)):
      return None
    return self._domains.get(_values_of(result).ref())

  def int_domains(self, outputs):
    """{output name: (min, max)} for outputs that are a recorded mapper's result as is, with
    known bounds."""
    domains = {}
    for name, value in outputs.items():
      bounds = self.domain(value)
      if bounds is not None:
        bounds = tuple(tf.get_static_value(b) if isinstance(b, tf.Tensor) else b for b in bounds)
        if None not in bounds:
          domains[name] = (int(bounds[0]), int(bounds[1]))
    return domains

  def direct_plan(self, outputs):
    """{output name: direct mapper} for outputs that are a recorded mapper's result as is."""
    plan = {}
    for name, value in outputs.items():
      entry = self._direct.get(_values_of(value).ref())
      if entry is not None and isinstance(value, (tf.Tensor, tf.SparseTensor)):
        plan[name] = entry
    return plan

  def ready(self):
    """Pending requests whose inputs do not depend on another pending analyzer."""
    return [r for r in self.pending
            if not any(op.name in self._placeholder_ops for op in ops_behind(r.inputs))]

  def file(self, name):
    """A file an analyzer wrote (a vocabulary): its path as a tensor, an asset when saving."""
    return self._file_tensor(name)


FILE_KINDS = ("vocabulary", "keyed_moments", "keyed_quantiles")  # Analyzers whose value is a file.


def file_name(request):
  """The file an analyzer of FILE_KINDS writes: its given name, or its key."""
  return request.params.get("filename") or request.key


def ops_behind(tensors):
  """Every op `tensors` depend on (through inputs and control inputs), each once."""
  seen, stack, ops = set(), [t.op for t in tensors], []
  while stack:
    op = stack.pop()
    if op.name in seen:
      continue
    seen.add(op.name)
    ops.append(op)
    stack.extend(i.op for i in op.inputs)
    stack.extend(op.control_inputs)
  return ops


def components(x):
  """The tensors a Tensor, SparseTensor or RaggedTensor is made of."""
  if isinstance(x, tf.SparseTensor):
    return [x.indices, x.values, x.dense_shape]
  if isinstance(x, tf.RaggedTensor):
    return [x.flat_values] + list(x.nested_row_splits)
  return [x]


def _values_of(x):
  if isinstance(x, tf.SparseTensor):
    return x.values
  if isinstance(x, tf.RaggedTensor):
    return x.flat_values
  return x


def active():
  """The trace in progress, or None outside preprocessing_fn."""
  return getattr(_local, "trace", None)


def current(analyzer):
  trace = getattr(_local, "trace", None)
  if trace is None:
    raise RuntimeError(
        "tfx_core.transform.%s is an analyzer: call it inside a preprocessing_fn run by "
        "tfx_core.transform.analyze_and_transform or the Transform component" % analyzer)
  return trace


@contextlib.contextmanager
def tracing(trace):
  previous = getattr(_local, "trace", None)
  _local.trace = trace
  try:
    yield trace
  finally:
    _local.trace = previous


class _Inputs(dict):
  """The raw features; a missing name is an error that lists the ones there are."""

  def __missing__(self, name):
    raise KeyError("feature '%s' is not in the raw features (the schema's): %s" % (
        name, ", ".join(sorted(self))))


def call_preprocessing_fn(preprocessing_fn, inputs):
  """Runs preprocessing_fn on a copy of `inputs` and checks what it returns."""
  try:
    outputs = preprocessing_fn(_Inputs(inputs))
  except NotImplementedError:
    raise
  except Exception as e:  # Name the user's function: the traceback points into it.
    raise ValueError("preprocessing_fn raised %s: %s" % (type(e).__name__, e)) from e
  if not isinstance(outputs, dict):  # TFT's wording.
    raise ValueError("A `preprocessing_fn` must return a Dict[str, Union[tf.Tensor, "
                     "tf.SparseTensor, tf.RaggedTensor]]. Got: %s" % (outputs,))
  if not outputs:
    raise ValueError("The preprocessing function returned an empty dict")
  for name, value in outputs.items():
    if not isinstance(name, str):
      raise ValueError("preprocessing_fn returned a non-string key %r" % (name,))
    if not isinstance(value, (tf.Tensor, tf.SparseTensor, tf.RaggedTensor)):
      raise ValueError("preprocessing_fn returned %r for '%s'; expected a Tensor, SparseTensor "
                       "or RaggedTensor" % (type(value).__name__, name))
  return outputs
