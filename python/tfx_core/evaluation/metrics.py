"""TFMA's metric classes (tfma.metrics.AUC(num_thresholds=...), ...) as MetricConfig builders,
and specs_from_metrics to turn a list of them into MetricsSpecs, as TFMA's does."""

import json

from tfx_core.evaluation._registry import ALIASES, METRICS
from tfx_core.proto import eval_config_pb2


class Metric:
  """A metric and its arguments; to_config() is its MetricConfig."""
  class_name = None

  def __init__(self, **arguments):
    self.arguments = arguments

  def to_config(self):
    return eval_config_pb2.MetricConfig(
        class_name=self.class_name,
        config=json.dumps(self.arguments, sort_keys=True) if self.arguments else "")


def specs_from_metrics(metrics, model_names=None, binarize=None, aggregate=None):
  """One MetricsSpec holding `metrics` (Metric instances or MetricConfigs)."""
  spec = eval_config_pb2.MetricsSpec(model_names=model_names or [])
  if binarize is not None:
    spec.binarize.CopyFrom(binarize)
  if aggregate is not None:
    spec.aggregate.CopyFrom(aggregate)
  for metric in metrics:
    spec.metrics.append(metric.to_config() if isinstance(metric, Metric) else metric)
  return [spec]


for _name in sorted(set(METRICS) | set(ALIASES)):
  globals()[_name] = type(_name, (Metric,), {"class_name": _name, "__doc__": "TFMA's %s." % _name})

__all__ = ["Metric", "specs_from_metrics"] + sorted(set(METRICS) | set(ALIASES))
