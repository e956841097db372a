"""TFMA's metrics by class name (and Keras's names for the same metrics), read off the C++
accumulators (_tfx_core_ext.metrics) of one slice.

A metric is its MetricConfig: class_name, plus config (TFMA's JSON of the metric's arguments,
with or without the braces). Each definition says which task's accumulator it reads, its
arguments and their defaults, and how its values are named in the results: TFMA's names
('auc', 'binary_accuracy', 'fairness_indicators_metrics/false_positive_rate@0.5', ...), or the
config's "name".
"""

import dataclasses
import json
from typing import Callable, Dict, Tuple

import numpy as np

from tfx_core._native import ext
from tfx_core.proto import metrics_for_slice_pb2

BINARY, MULTI_CLASS, REGRESSION, ANY = "binary", "multi_class", "regression", "any"

# TFMA's defaults.
DEFAULT_THRESHOLD = 0.5
FAIRNESS_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CALIBRATION_PLOT_BUCKETS = 1000
CONFUSION_MATRIX_PLOT_THRESHOLDS = 1000
FAIRNESS_RATES = ("false_positive_rate", "false_negative_rate", "true_positive_rate",
                  "true_negative_rate", "positive_rate", "negative_rate",
                  "false_discovery_rate", "false_omission_rate", "precision", "recall")


@dataclasses.dataclass(frozen=True)
class Curve:
  """Which scores a binary metric reads: the binary task's, one class against the rest of a
  multi-class output (class_id), or every class together (micro)."""
  class_id: int = -1
  micro: bool = False

  def kwargs(self):
    return {"class_id": self.class_id, "micro": self.micro}


@dataclasses.dataclass(frozen=True)
class MetricDef:
  class_name: str
  name: str        # The result's name (TFMA's), unless the config gives one.
  task: str        # The accumulator it reads: BINARY metrics also read multi-class outputs.
  defaults: Dict   # Its config arguments and their defaults; others are errors.
  # (slice metrics, Curve, arguments, name) -> {result name: float | PlotData}
  compute: Callable
  plot: bool = False


def _thresholds(arguments):
  t = arguments.get("thresholds", arguments.get("threshold"))
  t = DEFAULT_THRESHOLD if t is None else t
  values = [float(v) for v in (t if isinstance(t, (list, tuple)) else [t])]
  if not values:
    raise ValueError("thresholds must not be empty")
  return values


def _at(name, value, thresholds):
  """One threshold: the plain name; several: name@threshold, as TFMA names them."""
  if len(thresholds) == 1:
    return {name: value[0]}
  return {"%s@%s" % (name, _format_threshold(t, thresholds)): v for t, v in zip(thresholds, value)}


def _format_threshold(t, thresholds):
  digits = max(1, max(len(str(x)) - 2 for x in thresholds))
  return "%.*f" % (digits, t)


def _threshold_metric(field):
  def compute(m, curve, arguments, name):
    thresholds = _thresholds(arguments)
    rates = ext.metrics.threshold_metrics(m.confusion_at(thresholds, **curve.kwargs()))
    return _at(name, rates[field].tolist(), thresholds)
  return compute


def _auc(kind):
  def compute(m, curve, arguments, name):
    method = "tfma" if "num_thresholds" in arguments else "exact"
    return {name: m.auc(kind, method, int(arguments.get("num_thresholds") or 10000),
                        **curve.kwargs())}
  return compute


def _totals(m, curve):
  """(weighted examples, weighted labels, weighted predictions) of a binary view."""
  buckets = m.calibration_buckets(1, **curve.kwargs())
  return tuple(float(buckets[:, i].sum()) for i in (2, 3, 4))


def _ratio(a, b):
  return a / b if b > 0 else float("nan")


def _mean_label(m, curve, arguments, name):
  if curve == Curve() and m.mean_label == m.mean_label:
    return {name: m.mean_label}
  examples, labels, _ = _totals(m, curve)
  return {name: _ratio(labels, examples)}


def _mean_prediction(m, curve, arguments, name):
  examples, _, predictions = _totals(m, curve)
  return {name: _ratio(predictions, examples)}


def _calibration(m, curve, arguments, name):
  _, labels, predictions = _totals(m, curve)
  return {name: _ratio(predictions, labels)}


def _fairness(m, curve, arguments, name):
  thresholds = [float(t) for t in arguments.get("thresholds") or FAIRNESS_THRESHOLDS]
  rates = ext.metrics.threshold_metrics(m.confusion_at(thresholds, **curve.kwargs()))
  return {"%s/%s@%s" % (name, rate, _format_threshold(t, thresholds)): float(rates[rate][i])
          for rate in FAIRNESS_RATES for i, t in enumerate(thresholds)}


def _calibration_plot(m, curve, arguments, name):
  buckets = m.calibration_buckets(int(arguments.get("num_buckets") or CALIBRATION_PLOT_BUCKETS),
                                  **curve.kwargs())
  plot = metrics_for_slice_pb2.PlotData()
  for lower, upper, examples, labels, predictions in buckets.tolist():
    bucket = plot.calibration_histogram_buckets.buckets.add(
        lower_threshold_inclusive=lower, upper_threshold_exclusive=upper)
    bucket.num_weighted_examples.value = examples
    bucket.total_weighted_label.value = labels
    bucket.total_weighted_refined_prediction.value = predictions
  return {name: plot}


def _confusion_matrix_plot(m, curve, arguments, name):
  n = int(arguments.get("num_thresholds") or CONFUSION_MATRIX_PLOT_THRESHOLDS)
  thresholds = ext.metrics.tfma_thresholds(n)
  confusion = m.confusion_at(thresholds, **curve.kwargs())
  rates = ext.metrics.threshold_metrics(confusion)
  plot = metrics_for_slice_pb2.PlotData()
  for i, t in enumerate(thresholds):
    tp, fp, tn, fn = confusion[i].tolist()
    plot.confusion_matrix_at_thresholds.matrices.add(
        threshold=t, true_positives=tp, false_positives=fp, true_negatives=tn,
        false_negatives=fn, precision=rates["precision"][i], recall=rates["recall"][i],
        false_positive_rate=rates["false_positive_rate"][i], f1=rates["f1_score"][i],
        accuracy=rates["accuracy"][i], false_omission_rate=rates["false_omission_rate"][i])
  return {name: plot}


def _multi_class_confusion_plot(m, curve, arguments, name):
  counts = m.confusion_matrix()
  plot = metrics_for_slice_pb2.PlotData()
  matrix = plot.multi_class_confusion_matrix_at_thresholds.matrices.add(threshold=0.0)
  for actual, predicted in zip(*np.nonzero(counts)):
    matrix.entries.add(actual_class_id=int(actual), predicted_class_id=int(predicted),
                       num_weighted_examples=float(counts[actual, predicted]))
  return {name: plot}


def _scalar(attribute):
  return lambda m, curve, arguments, name: {name: float(getattr(m, attribute))}


def _top_k(m, curve, arguments, name):
  return {name: m.top_k_accuracy(int(arguments.get("k") or 5))}


def _auc_by_curve(m, curve, arguments, name):
  kind = str(arguments.get("curve") or "ROC").upper()
  if kind not in ("ROC", "PR"):
    raise ValueError("AUC: curve must be 'ROC' or 'PR', got %r" % arguments.get("curve"))
  return _auc(kind)(m, curve, arguments, name)


_THRESHOLD_ARGS = {"thresholds": None, "threshold": None, "name": None}
_DEFINITIONS = [
    MetricDef("ExampleCount", "example_count", ANY, {"name": None},
              lambda m, c, a, n: {n: float(m.example_count)}),
    MetricDef("WeightedExampleCount", "weighted_example_count", ANY, {"name": None},
              lambda m, c, a, n: {n: float(m.weighted_example_count)}),
    MetricDef("AUC", "auc", BINARY,
              {"num_thresholds": None, "curve": "ROC", "summation_method": "interpolation",
               "name": None}, _auc_by_curve),
    MetricDef("AUCPrecisionRecall", "auc_precision_recall", BINARY,
              {"num_thresholds": None, "summation_method": "interpolation", "name": None},
              _auc("PR")),
    MetricDef("BinaryAccuracy", "binary_accuracy", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("accuracy")),
    MetricDef("Precision", "precision", BINARY, _THRESHOLD_ARGS, _threshold_metric("precision")),
    MetricDef("Recall", "recall", BINARY, _THRESHOLD_ARGS, _threshold_metric("recall")),
    MetricDef("F1Score", "f1_score", BINARY, _THRESHOLD_ARGS, _threshold_metric("f1_score")),
    MetricDef("FalsePositiveRate", "false_positive_rate", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("false_positive_rate")),
    MetricDef("FalseNegativeRate", "false_negative_rate", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("false_negative_rate")),
    MetricDef("TruePositiveRate", "true_positive_rate", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("true_positive_rate")),
    MetricDef("TrueNegativeRate", "true_negative_rate", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("true_negative_rate")),
    MetricDef("Specificity", "specificity", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("true_negative_rate")),
    MetricDef("FalseDiscoveryRate", "false_discovery_rate", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("false_discovery_rate")),
    MetricDef("FalseOmissionRate", "false_omission_rate", BINARY, _THRESHOLD_ARGS,
              _threshold_metric("false_omission_rate")),
    MetricDef("MeanLabel", "mean_label", BINARY, {"name": None}, _mean_label),
    MetricDef("MeanPrediction", "mean_prediction", BINARY, {"name": None}, _mean_prediction),
    MetricDef("Calibration", "calibration", BINARY, {"name": None}, _calibration),
    MetricDef("BinaryCrossentropy", "binary_crossentropy", BINARY,
              {"name": None, "from_logits": False}, _scalar("log_loss")),
    MetricDef("FairnessIndicators", "fairness_indicators_metrics", BINARY,
              {"thresholds": None, "name": None}, _fairness),
    MetricDef("CalibrationPlot", "calibration_plot", BINARY,
              {"num_buckets": None, "left": None, "right": None, "name": None},
              _calibration_plot, plot=True),
    MetricDef("ConfusionMatrixPlot", "confusion_matrix_plot", BINARY,
              {"num_thresholds": None, "name": None}, _confusion_matrix_plot, plot=True),
    MetricDef("SparseCategoricalAccuracy", "sparse_categorical_accuracy", MULTI_CLASS,
              {"name": None}, _scalar("sparse_categorical_accuracy")),
    MetricDef("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", MULTI_CLASS,
              {"name": None, "from_logits": False}, _scalar("sparse_categorical_crossentropy")),
    MetricDef("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy", MULTI_CLASS,
              {"k": 5, "name": None}, _top_k),
    MetricDef("MultiClassConfusionMatrixPlot", "multi_class_confusion_matrix_plot", MULTI_CLASS,
              {"thresholds": None, "name": None}, _multi_class_confusion_plot, plot=True),
    MetricDef("MeanSquaredError", "mean_squared_error", REGRESSION, {"name": None},
              _scalar("mean_squared_error")),
    MetricDef("RootMeanSquaredError", "root_mean_squared_error", REGRESSION, {"name": None},
              _scalar("root_mean_squared_error")),
    MetricDef("MeanAbsoluteError", "mean_absolute_error", REGRESSION, {"name": None},
              _scalar("mean_absolute_error")),
    MetricDef("MeanAbsolutePercentageError", "mean_absolute_percentage_error", REGRESSION,
              {"name": None}, _scalar("mean_absolute_percentage_error")),
    MetricDef("R2Score", "r2_score", REGRESSION, {"name": None}, _scalar("r_squared")),
]


METRICS = {d.class_name: d for d in _DEFINITIONS}
# Other spellings of the same metrics (TFMA's native BinaryCrossEntropy, Keras's short names).
ALIASES = {"BinaryCrossEntropy": "BinaryCrossentropy", "MSE": "MeanSquaredError",
           "MAE": "MeanAbsoluteError", "MAPE": "MeanAbsolutePercentageError"}


def parse_arguments(config, class_name):
  """MetricConfig.config (TFMA's JSON of the metric's arguments, braces optional) as a dict."""
  text = (config or "").strip()
  if not text:
    return {}
  if not text.startswith("{"):
    text = "{" + text + "}"
  try:
    arguments = json.loads(text)
  except json.JSONDecodeError as e:
    raise ValueError("metric %s: config is not JSON of its arguments (%s): %r" % (
        class_name, e, config)) from None
  if not isinstance(arguments, dict):
    raise ValueError("metric %s: config must be a JSON object, got %r" % (class_name, config))
  return arguments


def resolve(metric_config) -> Tuple[MetricDef, Dict, str]:
  """(definition, arguments, result name) of a MetricConfig; errors name what is unknown."""
  class_name = ALIASES.get(metric_config.class_name, metric_config.class_name)
  definition = METRICS.get(class_name)
  if definition is None:
    raise ValueError("unknown metric class_name %r%s; known: %s" % (
        metric_config.class_name,
        " (module %r)" % metric_config.module if metric_config.module else "",
        ", ".join(sorted(set(METRICS) | set(ALIASES)))))
  arguments = parse_arguments(metric_config.config, class_name)
  unknown = sorted(set(arguments) - set(definition.defaults))
  if unknown:
    raise ValueError("metric %s: unknown argument(s) %s; it takes %s" % (
        class_name, ", ".join(unknown), ", ".join(sorted(definition.defaults))))
  if arguments.get("from_logits"):
    raise ValueError("metric %s: from_logits=True is not supported; export probabilities "
                     "(e.g. a softmax output) for crossentropy metrics" % class_name)
  for key in ("threshold", "thresholds"):
    if arguments.get(key) is not None:
      values = arguments[key] if isinstance(arguments[key], list) else [arguments[key]]
      if not all(isinstance(v, (int, float)) for v in values):
        raise ValueError("metric %s: %s must be numbers, got %r" % (class_name, key,
                                                                    arguments[key]))
  return definition, arguments, arguments.get("name") or definition.name
