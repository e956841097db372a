"""The analysis loop: trace preprocessing_fn, feed the pending analyzers in a full pass over the
data, repeat until every analyzer is known.

A pass feeds C++ accumulators (tfx_core/transform/analyzers.h) batch by batch: analyzers of a
raw column read the Arrow column as is; the others get their inputs from one TensorFlow session
run per batch. AnalysisPass is what Beam ships to workers (it re-traces preprocessing_fn there);
AnalysisCombineFn runs it as a CombineFn, and analyze() drives the passes with any runner.
"""

import logging
import os
import re

import apache_beam as beam
import numpy as np
import pyarrow as pa
import tensorflow as tf

from tfx_core._native import ext
from tfx_core.transform import _analyzers, _inputs, _tracing
from tfx_core.utils.udf_utils import load_from_module_file

log = logging.getLogger("tfx_core.transform")

MAX_PASSES = 16


class PreprocessingFn:
  """A preprocessing_fn that can travel to Beam workers: a function, or a module file and name."""

  def __init__(self, fn=None, module_file=None, fn_name="preprocessing_fn"):
    if (fn is None) == (module_file is None):
      raise ValueError("give either a preprocessing_fn or a module_file")
    self._fn, self.module_file, self.fn_name = fn, module_file, fn_name

  def __getstate__(self):
    return {"_fn": self._fn if self.module_file is None else None,
            "module_file": self.module_file, "fn_name": self.fn_name}

  def load(self):
    if self._fn is None:
      self._fn = load_from_module_file(self.module_file, self.fn_name)
    return self._fn


def raw_placeholders(spec):
  """Graph inputs for the raw features (call inside a graph)."""
  inputs = {}
  for name, feature in sorted(spec.items()):
    type_spec = _inputs.type_spec(feature)
    if isinstance(type_spec, tf.SparseTensorSpec):
      inputs[name] = _inputs.with_static_shape(tf.compat.v1.sparse_placeholder(
          feature.dtype, type_spec.shape, name=_op_name(name)), feature)
    elif isinstance(type_spec, tf.RaggedTensorSpec):
      inputs[name] = tf.compat.v1.ragged.placeholder(
          feature.dtype, type_spec.ragged_rank, value_shape=[], name=_op_name(name))
      if feature.row_splits_dtype != tf.int64:
        inputs[name] = inputs[name].with_row_splits_dtype(feature.row_splits_dtype)
    else:
      inputs[name] = tf.compat.v1.placeholder(feature.dtype, type_spec.shape, name=_op_name(name))
  return inputs


def _feed_dict(placeholders, values):
  """A Session feed: ragged placeholders are fed component by component."""
  feed = {}
  for name, value in values.items():
    placeholder = placeholders[name]
    if isinstance(placeholder, tf.RaggedTensor):
      feed[placeholder.flat_values] = value.flat_values
      for split, array in zip(placeholder.nested_row_splits, value.nested_row_splits):
        feed[split] = array
    else:
      feed[placeholder] = value
  return feed


def _op_name(feature):
  """A valid TensorFlow op name for a feature name (which may hold any characters)."""
  return re.sub(r"[^A-Za-z0-9_.\-/]", "_", feature).lstrip("_-/") or "feature"


def trace_in_graph(preprocessing_fn, spec, known, files_dir):
  """One analysis trace in a fresh graph: (graph, raw placeholders, Trace)."""
  if not spec:
    raise ValueError("The input metadata is empty.")  # TFT's wording.
  graph = tf.Graph()
  with graph.as_default():
    raw = raw_placeholders(spec)
    trace = _tracing.Trace(known, raw, lambda name: tf.constant(os.path.join(files_dir, name)),
                           columnar={n for n, f in spec.items() if _inputs.is_columnar(f)})
    with _tracing.tracing(trace):
      _tracing.call_preprocessing_fn(preprocessing_fn, raw)
  return graph, raw, trace


class AnalysisPass:
  """One pass over the data computing the analyzers `keys` (picklable; traces lazily)."""

  def __init__(self, preprocessing_fn, spec, known, keys, files_dir, traced=None):
    self._fn, self._spec, self._known = preprocessing_fn, spec, known
    self.keys, self._files_dir = list(keys), files_dir
    self._traced = traced  # (graph, raw, trace) when the caller has traced already.
    self._state = None

  def __getstate__(self):
    state = dict(self.__dict__)
    state["_state"] = state["_traced"] = None
    return state

  def _setup(self):
    if self._state is not None:
      return self._state
    graph, raw, trace = self._traced or trace_in_graph(
        self._fn.load(), self._spec, self._known, self._files_dir)
    requests = {r.key: r for r in trace.ready()}
    missing = [k for k in self.keys if k not in requests]
    if missing:
      raise RuntimeError("analyzers %s were not pending when preprocessing_fn was traced again "
                         "(in a Beam worker?): is preprocessing_fn deterministic?" % missing)
    requests = [requests[k] for k in self.keys]
    fetches = [t for r in requests if r.source is None for t in r.inputs]
    needed = set(trace.features_of(fetches))
    session = tf.compat.v1.Session(graph=graph) if fetches else None
    self._state = (requests, fetches, {n: raw[n] for n in needed}, session)
    return self._state

  def create(self):
    requests, _, _, _ = self._setup()
    return {r.key: _analyzers.new_accumulator(r) for r in requests}

  def add(self, accumulators, batch):
    requests, fetches, placeholders, session = self._setup()
    evaluated = []
    if fetches:
      feed = _inputs.to_numpy(batch, {n: self._spec[n] for n in placeholders})
      evaluated = session.run(fetches, _feed_dict(placeholders, feed))
    evaluated = iter(evaluated)
    items = []
    for r in requests:
      if r.source is not None:
        arrays = [_inputs.column_values(batch, r.source, self._spec[r.source])[0]]
      else:
        arrays = [_to_arrow(next(evaluated), r.label) for _ in r.inputs]
        if len({len(a) for a in arrays}) > 1:
          raise ValueError("%s: its inputs have different numbers of values (%s)" % (
              r.label, ", ".join(str(len(a)) for a in arrays)))
      items.append((r.label, accumulators[r.key], arrays))
    ext.analyzers.add_batch(items)
    return accumulators

  def merge(self, many):
    many = iter(many)
    merged = next(many)
    for other in many:
      for key, accumulator in other.items():
        merged[key].merge(accumulator)
    return merged

  def finalize(self, accumulators):
    requests, _, _, session = self._setup()
    values = {r.key: _analyzers.finalize(r, accumulators[r.key], self._files_dir)
              for r in requests}
    if session is not None:
      session.close()
    self._state = None
    return values


def _to_arrow(value, label):
  value = np.asarray(value).reshape(-1)
  try:
    return pa.array(value, pa.binary()) if value.dtype == object else pa.array(value)
  except (pa.ArrowException, TypeError) as e:
    raise ValueError("%s: its input values (%s) are not an array Arrow takes: %s" % (
        label, value.dtype, e)) from e


class AnalysisCombineFn(beam.CombineFn):
  """An AnalysisPass as a Beam CombineFn over record batches -> {key: value}."""

  def __init__(self, analysis_pass):
    self._pass = analysis_pass

  def create_accumulator(self):
    return self._pass.create()

  def add_input(self, accumulators, batch):
    return self._pass.add(accumulators, batch)

  def merge_accumulators(self, accumulators):
    return self._pass.merge(accumulators)

  def extract_output(self, accumulators):
    return self._pass.finalize(accumulators)


def analyze(preprocessing_fn, spec, run_pass, files_dir, known=None, cache=None):
  """Runs passes until no analyzer is pending; returns {key: value} for every analyzer.

  run_pass(AnalysisPass) -> {key: value} runs one full pass (in process or in Beam). cache (an
  AnalyzerCache) supplies the values of analyzers already computed on the same data.
  """
  known = dict(known or {})
  fn = preprocessing_fn.load()
  for number in range(1, MAX_PASSES + 1):
    traced = trace_in_graph(fn, spec, known, files_dir)
    trace = traced[2]
    if not trace.pending:
      return known
    ready, todo = trace.ready(), []
    for request in ready:
      value = cache.get(request, files_dir) if cache else None
      if value is None:
        todo.append(request)
      else:
        known[request.key] = value
    if len(todo) < len(ready):
      log.info("analyzer cache: reused %d of %d analyzers", len(ready) - len(todo), len(ready))
    if todo:
      log.info("analysis pass %d: %s", number, ", ".join(r.label for r in todo))
      values = run_pass(AnalysisPass(preprocessing_fn, spec, known, [r.key for r in todo],
                                     files_dir, traced))
      known.update(values)
      for request in todo:
        if cache:
          cache.put(request, values[request.key], files_dir)
    if len(ready) == len(trace.pending):
      return known  # Nothing was waiting on these: the next trace would be all constants.
  raise RuntimeError("preprocessing_fn still has pending analyzers after %d passes: %s" % (
      MAX_PASSES, ", ".join(r.label for r in trace.pending)))


def run_pass_in_process(batches):
  """run_pass over `batches()` (a callable giving an iterable of Arrow batches) in this process."""
  def run_pass(analysis_pass):
    accumulators = analysis_pass.create()
    for batch in batches():
      analysis_pass.add(accumulators, batch)
    return analysis_pass.finalize(accumulators)
  return run_pass
