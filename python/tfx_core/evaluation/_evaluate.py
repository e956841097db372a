"""One pass over the eval examples: every model's predictions accumulated per slice by the C++
metrics, then TFMA's metrics per slice, their Poisson-bootstrap confidence intervals and the
candidate-minus-baseline diffs, as TFMA's MetricsForSlice and PlotsForSlice protos.

    evaluation = Evaluation(eval_config)
    for batch in record_batches:                 # Arrow, with label/weight/slice columns
      evaluation.add(batch, {"candidate": scores, "baseline": baseline_scores})
    result = evaluation.result()

Python runs per batch and per slice, never per row.
"""

import dataclasses
import math
from typing import Dict, List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tfx_core._native import ext
from tfx_core.evaluation import _registry
from tfx_core.evaluation._registry import ANY, BINARY, MULTI_CLASS, REGRESSION, Curve
from tfx_core.evaluation._slicing import (OVERALL, Slicer, slice_key_proto, slice_name,
                                          spec_matches)
from tfx_core.proto import eval_config_pb2, metrics_for_slice_pb2

# The t-distribution's 97.5% quantile for 19 degrees of freedom: TFMA's 95% interval over its
# 20 bootstrap replicates (scipy.stats.t.ppf(0.975, 19)).
BOOTSTRAP_SAMPLES = 20
T_QUANTILE = 2.093024054408263
BOOTSTRAP_SEED = 0


@dataclasses.dataclass(frozen=True, order=True)
class MetricKey:
  """TFMA's MetricKey: name, model, sub-key (one class against the rest) and is_diff."""
  name: str
  model_name: str = ""
  class_id: Optional[int] = None
  is_diff: bool = False
  aggregation: Optional[str] = None  # "micro_average", "macro_average", ... when configured.

  def proto(self):
    key = metrics_for_slice_pb2.MetricKey(name=self.name, model_name=self.model_name,
                                          is_diff=self.is_diff)
    if self.class_id is not None:
      key.sub_key.class_id.value = self.class_id
    if self.aggregation is not None:
      setattr(key.aggregation_type, self.aggregation, True)
    return key

  def __str__(self):
    text = self.name + ("" if self.class_id is None else " (classId:%d)" % self.class_id)
    text += "" if self.aggregation is None else " (%s)" % self.aggregation.replace("_", " ")
    return text + (" [diff]" if self.is_diff else "")


@dataclasses.dataclass
class SliceResult:
  key: Tuple
  example_count: int
  metrics: Dict[MetricKey, float] = dataclasses.field(default_factory=dict)
  # (lower, upper, standard error) of the metrics that have confidence intervals.
  intervals: Dict[MetricKey, Tuple[float, float, float]] = dataclasses.field(default_factory=dict)
  plots: Dict[MetricKey, metrics_for_slice_pb2.PlotData] = dataclasses.field(
      default_factory=dict)

  @property
  def name(self):
    return slice_name(self.key)


@dataclasses.dataclass
class CrossSliceResult:
  """A CrossSlicingSpec's comparison: each scalar metric of the comparison slice minus the
  baseline slice's, per model (as TFMA's cross-slice metrics)."""
  baseline_key: Tuple
  comparison_key: Tuple
  metrics: Dict[MetricKey, float]

  @property
  def name(self):
    return "%s vs %s" % (slice_name(self.comparison_key), slice_name(self.baseline_key))


@dataclasses.dataclass
class EvalResult:
  slices: List[SliceResult]
  model_names: List[str]
  baseline_name: Optional[str]
  cross_slices: List[CrossSliceResult] = dataclasses.field(default_factory=list)

  def slice(self, key=OVERALL):
    for s in self.slices:
      if s.key == tuple(key):
        return s
    raise KeyError("no slice %s; the result has %s" % (
        slice_name(tuple(key)), ", ".join(s.name for s in self.slices)))

  def metrics_for_slice(self):
    out = []
    for s in self.slices:
      proto = metrics_for_slice_pb2.MetricsForSlice(slice_key=slice_key_proto(s.key))
      for key in sorted(s.metrics):
        entry = proto.metric_keys_and_values.add(key=key.proto())
        entry.value.double_value.value = s.metrics[key]
        if key in s.intervals:
          lower, upper, error = s.intervals[key]
          interval = entry.confidence_interval
          interval.lower_bound.double_value.value = lower
          interval.upper_bound.double_value.value = upper
          interval.standard_error.double_value.value = error
          interval.degrees_of_freedom.value = BOOTSTRAP_SAMPLES - 1
      out.append(proto)
    for c in self.cross_slices:
      proto = metrics_for_slice_pb2.MetricsForSlice()
      proto.cross_slice_key.baseline_slice_key.CopyFrom(slice_key_proto(c.baseline_key))
      proto.cross_slice_key.comparison_slice_key.CopyFrom(slice_key_proto(c.comparison_key))
      for key in sorted(c.metrics):
        proto.metric_keys_and_values.add(key=key.proto()).value.double_value.value = \
            c.metrics[key]
      out.append(proto)
    return out

  def plots_for_slice(self):
    out = []
    for s in self.slices:
      if not s.plots:
        continue
      proto = metrics_for_slice_pb2.PlotsForSlice(slice_key=slice_key_proto(s.key))
      for key in sorted(s.plots):
        entry = proto.plot_keys_and_values.add()
        entry.key.name, entry.key.model_name = key.name, key.model_name
        if key.class_id is not None:
          entry.key.sub_key.class_id.value = key.class_id
        entry.value.CopyFrom(s.plots[key])
      out.append(proto)
    return out


@dataclasses.dataclass(frozen=True)
class _Entry:
  """One metric of one model: its definition, arguments, result name and scores read."""
  definition: _registry.MetricDef
  arguments: Dict
  name: str
  curve: Curve
  class_id: Optional[int]
  aggregation: Optional[str] = None
  # Macro averages: {class id: its weight}, the weights of "weighted_macro_average" also
  # scaled by each class's share of the label weight.
  classes: Optional[Dict[int, float]] = None


def _spec_label(spec):
  return "ModelSpec %r" % (spec.name or "")


class _Model:
  """One model's metrics and accumulators (made on the first batch, when the width of its
  predictions is known)."""

  def __init__(self, spec, metrics_specs, bootstrap_samples):
    self.spec = spec
    self.name = spec.name
    self.bootstrap_samples = bootstrap_samples
    if len(spec.label_keys) or len(spec.prediction_keys) or len(spec.example_weight_keys):
      raise ValueError("%s: multi-output models (label_keys, prediction_keys, "
                       "example_weight_keys maps) are not supported; use label_key, "
                       "prediction_key and example_weight_key" % _spec_label(spec))
    if not spec.label_key:
      raise ValueError("%s: label_key is required (the eval examples' label column)" %
                       _spec_label(spec))
    self.configs = []
    for metrics_spec in metrics_specs:
      if metrics_spec.model_names and spec.name not in metrics_spec.model_names:
        continue
      if metrics_spec.output_names and list(metrics_spec.output_names) != [""]:
        raise ValueError("MetricsSpec.output_names %s: multi-output models are not supported" %
                         list(metrics_spec.output_names))
      aggregation = metrics_spec.aggregate.WhichOneof("type")
      if aggregation is not None and not getattr(metrics_spec.aggregate, aggregation):
        aggregation = None  # A oneof field set to false asks for nothing.
      class_weights = dict(metrics_spec.aggregate.class_weights)
      class_ids = list(metrics_spec.binarize.class_ids.values)
      for config in metrics_spec.metrics:
        definition, arguments, name = _registry.resolve(config)
        self.configs.append((definition, arguments, name, class_ids, aggregation,
                             class_weights))
    self.entries = None
    self.accumulators = {}

  def _setup(self, width):
    entries = []
    for definition, arguments, name, class_ids, aggregation, class_weights in self.configs:
      if aggregation is not None and definition.task == BINARY and width < 2:
        raise ValueError("MetricsSpec.aggregate.%s averages classes; %s's model gives one "
                         "score per example" % (aggregation, _spec_label(self.spec)))
      if definition.task == MULTI_CLASS and width < 2:
        raise ValueError("%s: metric %s needs one prediction per class; the model gives one "
                         "score per example" % (_spec_label(self.spec), definition.class_name))
      if definition.task == REGRESSION and width > 1:
        raise ValueError("%s: metric %s needs one prediction per example; the model gives %d" %
                         (_spec_label(self.spec), definition.class_name, width))
      if definition.task == BINARY and width > 1:
        for class_id in class_ids:
          if not 0 <= class_id < width:
            raise ValueError("MetricsSpec.binarize.class_ids: %d is not a class of a model "
                             "with %d classes" % (class_id, width))
        curves = [(Curve(class_id=c), c) for c in class_ids] or [(Curve(micro=True), None)]
      else:
        curves = [(Curve(), None)]
      if definition.task == BINARY and aggregation in ("macro_average",
                                                       "weighted_macro_average"):
        classes = sorted(class_weights or class_ids or range(width))
        if not all(0 <= c < width for c in classes):
          raise ValueError("MetricsSpec.aggregate: classes %s are not all classes of a model "
                           "with %d classes" % (classes, width))
        entries.append(_Entry(definition, arguments, name, Curve(), None, aggregation,
                              {c: float(class_weights.get(c, 1.0)) if class_weights else 1.0
                               for c in classes}))
        continue
      if definition.task == BINARY and aggregation == "micro_average":
        curves = [(Curve(micro=True), None)]
      entries += [_Entry(definition, arguments, name, curve, class_id,
                         aggregation if definition.task == BINARY else None)
                  for curve, class_id in curves]
    tasks = {e.definition.task for e in entries}
    if width > 1:
      top_k = sorted({int(e.arguments.get("k") or 5) for e in entries
                      if e.definition.class_name == "SparseTopKCategoricalAccuracy"})
      self.accumulators[MULTI_CLASS] = ext.metrics.SlicedMetrics(
          "multi_class", num_classes=width, top_k=top_k, per_class=BINARY in tasks,
          bootstrap_samples=self.bootstrap_samples, seed=BOOTSTRAP_SEED)
    else:
      for task in (BINARY, REGRESSION):
        if task in tasks or (task == REGRESSION and tasks <= {ANY}):
          self.accumulators[task] = ext.metrics.SlicedMetrics(
              task, bootstrap_samples=self.bootstrap_samples, seed=BOOTSTRAP_SEED)
    self.entries = entries

  def accumulator_for(self, definition):
    if definition.task == ANY:
      return next(iter(self.accumulators.values()))
    return self.accumulators[MULTI_CLASS if MULTI_CLASS in self.accumulators else
                             definition.task]

  def add(self, labels, predictions, weights, slice_ids, first_row):
    predictions = np.asarray(predictions, np.float64)
    if predictions.ndim == 2 and predictions.shape[1] == 1:
      predictions = predictions[:, 0]
    if predictions.ndim not in (1, 2) or len(predictions) != len(labels):
      raise ValueError("%s: predictions must be [rows] or [rows, classes] for %d rows; got "
                       "shape %s" % (_spec_label(self.spec), len(labels), predictions.shape))
    width = 1 if predictions.ndim == 1 else predictions.shape[1]
    if self.entries is None:
      self._setup(width)
    for accumulator in self.accumulators.values():
      accumulator.add(labels, predictions, slice_ids, weights, first_row=first_row)


def _metric_values(entry, slice_metrics):
  compute = entry.definition.compute
  if entry.classes is None:
    return compute(slice_metrics, entry.curve, entry.arguments, entry.name)
  # TFMA's macro averages: each class against the rest, averaged with the classes' weights
  # (weighted_macro_average: times each class's share of the label weight).
  per_class, weights = [], []
  for class_id, weight in entry.classes.items():
    curve = Curve(class_id=class_id)
    per_class.append(compute(slice_metrics, curve, entry.arguments, entry.name))
    if entry.aggregation == "weighted_macro_average":
      weight *= float(slice_metrics.calibration_buckets(1, **curve.kwargs())[:, 3].sum())
    weights.append(weight)
  total = sum(weights)
  return {n: (sum(w * v[n] for w, v in zip(weights, per_class)) / total if total > 0
              else math.nan) for n in per_class[0]}


class Evaluation:
  """TFMA's evaluation of one or more models (a candidate and its baseline) over batches of
  eval examples."""

  def __init__(self, eval_config):
    self.config = eval_config
    check_config(eval_config)
    options = eval_config.options
    bootstrap = 0
    if options.compute_confidence_intervals.value:
      method = options.confidence_intervals.method
      if method == eval_config_pb2.ConfidenceIntervalOptions.JACKKNIFE:
        raise ValueError("Options.confidence_intervals.method JACKKNIFE is not supported; use "
                         "POISSON_BOOTSTRAP (the default here)")
      bootstrap = BOOTSTRAP_SAMPLES
    specs = list(eval_config.model_specs) or [eval_config_pb2.ModelSpec()]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
      raise ValueError("EvalConfig.model_specs: model names must be unique, got %s" % names)
    self.models = [_Model(s, eval_config.metrics_specs, bootstrap) for s in specs]
    baselines = [m.name for m in self.models if m.spec.is_baseline]
    if len(baselines) > 1:
      raise ValueError("EvalConfig.model_specs: at most one baseline, got %s" % baselines)
    self.baseline_name = baselines[0] if baselines else None
    # Cross-slice comparisons need their slices computed too.
    specs = list(eval_config.slicing_specs) or [eval_config_pb2.SlicingSpec()]
    for cross in eval_config.cross_slicing_specs:
      specs += [s for s in [cross.baseline_spec] + list(cross.slicing_specs) if s not in specs]
    self.slicer = Slicer(specs)
    self.rows = 0

  @property
  def model_names(self):
    return [m.name for m in self.models]

  def required_columns(self):
    """The example columns the evaluation reads (labels, weights, slices, given predictions)."""
    columns = set(self.slicer.columns)
    for m in self.models:
      columns.update(c for c in (m.spec.label_key, m.spec.example_weight_key) if c)
    return sorted(columns)

  def add(self, batch, predictions):
    """One record batch and each model's predictions for its rows ({model name: [rows] or
    [rows, classes]})."""
    missing = [m.name for m in self.models if m.name not in predictions]
    if missing:
      raise ValueError("no predictions for model(s) %s" % missing)
    slice_ids = self.slicer.slice_ids(batch)
    for model in self.models:
      labels = _numbers(batch, model.spec.label_key, "label_key", model.spec, self.rows)
      weights = (_numbers(batch, model.spec.example_weight_key, "example_weight_key",
                          model.spec, self.rows)
                 if model.spec.example_weight_key else None)
      model.add(labels, predictions[model.name], weights, slice_ids, self.rows)
    self.rows += batch.num_rows

  def result(self):
    if self.rows == 0:
      raise ValueError("the eval split holds no examples")
    min_size = self.config.options.min_slice_size.value
    results = {}
    for model in self.models:
      if not model.accumulators:
        continue
      first = next(iter(model.accumulators.values()))
      for slice_id in first.slices():
        key = self.slicer.keys[slice_id]
        count = first.slice(slice_id).example_count
        if count < min_size:
          continue
        result = results.setdefault(key, SliceResult(key, count))
        for entry in model.entries:
          accumulator = model.accumulator_for(entry.definition)
          values = _metric_values(entry, accumulator.slice(slice_id))
          target = result.plots if entry.definition.plot else result.metrics
          keys = {n: MetricKey(n, model.name, entry.class_id, aggregation=entry.aggregation)
                  for n in values}
          target.update({keys[n]: v for n, v in values.items()})
          if model.bootstrap_samples and not entry.definition.plot and \
              entry.definition.class_name != "ExampleCount":
            samples = [_metric_values(entry, accumulator.slice(slice_id, r))
                       for r in range(model.bootstrap_samples)]
            for n in values:
              result.intervals[keys[n]] = _interval([s[n] for s in samples])
    self._add_diffs(results)
    ordered = sorted(results.values(), key=lambda s: (len(s.key), s.key))
    return EvalResult(ordered, self.model_names, self.baseline_name,
                      self._cross_slices(ordered))

  def _cross_slices(self, slices):
    out = []
    for cross in self.config.cross_slicing_specs:
      for base in [s for s in slices if spec_matches(cross.baseline_spec, s.key)]:
        for other in slices:
          if other.key != base.key and any(spec_matches(spec, other.key)
                                           for spec in cross.slicing_specs):
            out.append(CrossSliceResult(base.key, other.key, {
                k: v - base.metrics[k] for k, v in other.metrics.items()
                if k in base.metrics and not k.is_diff}))
    return out

  def _add_diffs(self, results):
    if self.baseline_name is None:
      return
    for result in results.values():
      for key, value in list(result.metrics.items()):
        if key.model_name == self.baseline_name or key.is_diff:
          continue
        base = result.metrics.get(dataclasses.replace(key, model_name=self.baseline_name))
        if base is not None:
          result.metrics[dataclasses.replace(key, is_diff=True)] = value - base


def _interval(samples):
  values = np.asarray([v for v in samples if not math.isnan(v)], np.float64)
  if len(values) < 2:
    return (math.nan, math.nan, math.nan)
  mean, error = float(values.mean()), float(values.std(ddof=1))
  return (mean - T_QUANTILE * error, mean + T_QUANTILE * error, error)


def _numbers(batch, column, field, spec, first_row):
  index = batch.schema.get_field_index(column)
  if index < 0:
    raise ValueError("%s: %s %r is not a column of the eval examples; they have %s" % (
        _spec_label(spec), field, column, ", ".join(batch.schema.names)))
  values = batch.column(index)
  if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
    lengths = np.asarray(pc.list_value_length(values).fill_null(0))
    if not (lengths == 1).all():
      row = int(np.flatnonzero(lengths != 1)[0])
      raise ValueError("%s: %s %r must hold one value per example; row %d has %d" % (
          _spec_label(spec), field, column, first_row + row, lengths[row]))
    values = values.flatten()
  if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type) or
          pa.types.is_boolean(values.type)):
    raise ValueError("%s: %s %r holds %s; metrics need numbers (class ids for classification)"
                     % (_spec_label(spec), field, column, values.type))
  if values.null_count:
    row = int(np.flatnonzero(np.asarray(values.is_null()))[0])
    raise ValueError("%s: %s %r is missing in row %d" % (_spec_label(spec), field, column,
                                                         first_row + row))
  return np.asarray(values.cast(pa.float64()))


def check_config(eval_config):
  """Errors in an EvalConfig that no data can fix, each naming the field."""
  for cross in eval_config.cross_slicing_specs:
    if not cross.slicing_specs:
      raise ValueError("CrossSlicingSpec with baseline_spec %s: slicing_specs (the slices to "
                       "compare with it) are empty" % _spec_text(cross.baseline_spec))
  for spec in eval_config.metrics_specs:
    if spec.cross_slice_thresholds:
      raise ValueError("MetricsSpec.cross_slice_thresholds are not supported yet (cross-slice "
                       "metrics are computed, not gated)")
    for config in spec.metrics:
      _registry.resolve(config)
      if config.cross_slice_thresholds:
        raise ValueError("MetricConfig %s cross_slice_thresholds are not supported yet "
                         "(cross-slice metrics are computed, not gated)" % config.class_name)
      _check_threshold(config.threshold, "MetricConfig %s threshold" % config.class_name)
      for per_slice in config.per_slice_thresholds:
        _check_threshold(per_slice.threshold,
                         "MetricConfig %s per_slice_thresholds" % config.class_name)
    for name, threshold in spec.thresholds.items():
      _check_threshold(threshold, "MetricsSpec.thresholds[%r]" % name)


def _spec_text(spec):
  return "{%s}" % str(spec).replace("\n", " ").strip()


def _check_threshold(threshold, where):
  value = threshold.value_threshold
  if value.HasField("lower_bound") and value.HasField("upper_bound") and \
      value.lower_bound.value > value.upper_bound.value:
    raise ValueError("%s: GenericValueThreshold lower_bound %s > upper_bound %s" % (
        where, value.lower_bound.value, value.upper_bound.value))
  change = threshold.change_threshold
  if threshold.HasField("change_threshold"):
    if not (change.HasField("absolute") or change.HasField("relative")):
      raise ValueError("%s: GenericChangeThreshold needs absolute or relative" % where)
    if change.direction == eval_config_pb2.UNKNOWN:
      raise ValueError("%s: GenericChangeThreshold needs a direction (HIGHER_IS_BETTER or "
                       "LOWER_IS_BETTER)" % where)
