"""Windows of served traffic, each compared with the training baseline (skew) and with the
window before it (drift) by tfx_core.validation's comparators."""

import dataclasses
import datetime
from typing import Dict, List, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_core import validation
from tfx_core.monitoring import _measures
from tfx_core.monitoring._request_log import METADATA_COLUMNS
from tfx_core.proto import anomalies_pb2, statistics_pb2

SERVING = "SERVING"
_COMPARATOR_ANOMALIES = {
    anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
    anomalies_pb2.AnomalyInfo.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
    anomalies_pb2.AnomalyInfo.COMPARATOR_NORMALIZED_ABSOLUTE_DIFFERENCE_HIGH,
}


@dataclasses.dataclass
class Window:
  """One window of served rows and what they were compared with.

  skew: the training baseline against this window. anomalies: this window against the schema
  (in its SERVING environment, when it declares one) and, for drift, against the window before
  it.
  measured: the optional measures (see _measures), {feature: {"skew" | "drift": {name:
  (value, threshold)}}}. distances: those and the schema comparators' measurements together.
  """
  start: Optional[datetime.datetime]  # Time windows: [start, end); count windows: None.
  end: Optional[datetime.datetime]
  rows: int
  model_versions: List[int]
  statistics: statistics_pb2.DatasetFeatureStatisticsList
  skew: anomalies_pb2.Anomalies
  anomalies: anomalies_pb2.Anomalies
  measured: Dict[str, Dict[str, Dict[str, tuple]]]
  distances: Dict[str, Dict[str, Dict[str, tuple]]]


def split_windows(table, seconds=None, rows=None):
  """Tumbling windows of a request-log table: (start, end, rows) by its `time`, aligned to
  multiples of `seconds` since the Unix epoch (empty windows skipped), or every `rows` rows in
  log order (start and end None)."""
  if (seconds is None) == (rows is None):
    raise ValueError("give a window of `seconds` or of `rows`")
  if rows is not None:
    if rows < 1:
      raise ValueError("a window needs at least 1 row, got %d" % rows)
    for begin in range(0, table.num_rows, rows):
      yield None, None, table.slice(begin, rows)
    return
  if seconds <= 0:
    raise ValueError("a window needs a positive number of seconds, got %s" % seconds)
  width = int(seconds * 1_000_000)
  micros = pc.cast(table.column("time"), pa.int64()).to_numpy()
  index = micros // width
  order = np.argsort(index, kind="stable")
  starts = np.flatnonzero(np.diff(index[order], prepend=index[order][:1] - 1))
  for i, begin in enumerate(starts):
    end = starts[i + 1] if i + 1 < len(starts) else len(order)
    window = int(index[order[begin]])
    bounds = [datetime.datetime.fromtimestamp(w * width / 1e6, datetime.timezone.utc)
              for w in (window, window + 1)]
    yield bounds[0], bounds[1], table.take(pa.array(order[begin:end]))


def distances(skew, anomalies, measured):
  """{feature: {"skew" | "drift": {measurement: (value, threshold)}}} of a window's anomalies
  and optional measures."""
  out = {}
  for kind, checked in (("skew", skew), ("drift", anomalies)):
    for feature, values in _distances(checked, kind).items():
      out.setdefault(feature, {}).setdefault(kind, {}).update(values)
  for feature, kinds in measured.items():
    for kind, values in kinds.items():
      out.setdefault(feature, {}).setdefault(kind, {}).update(values)
  return out


def _distances(anomalies, kind):
  names = anomalies_pb2.DriftSkewInfo.Measurement.Type.Name
  out = {}
  for info in anomalies.drift_skew_info:
    for m in getattr(info, kind + "_measurements"):
      out.setdefault(".".join(info.path.step), {})[names(m.type)] = (m.value, m.threshold)
  return out


def _environment(schema):
  """SERVING when the schema declares it (features then follow its in/not_in_environment),
  else none: a schema without environments applies as a whole."""
  declared = set(schema.default_environment)
  for feature in schema.feature:
    declared.update(feature.in_environment)
    declared.update(feature.not_in_environment)
  return SERVING if SERVING in declared else None


def _measure_all(stats, baseline, previous, measures):
  """The optional measures of every feature of `stats`: skew against the baseline, drift
  against the previous window."""
  def by_name(statistics):
    return {".".join(f.path.step) or f.name: f for f in statistics.datasets[0].features} \
        if statistics is not None and statistics.datasets else {}

  out = {}
  controls = {"skew": by_name(baseline), "drift": by_name(previous)}
  for feature, current in by_name(stats).items():
    for kind, control in controls.items():
      other = control.get(feature)
      if other is None:
        continue
      for name, threshold in measures.items():
        value = _measures.measure(name, other, current)
        if value is not None:
          out.setdefault(feature, {}).setdefault(kind, {})[name] = (value, threshold)
  return out


def compare_window(stats, baseline, schema, previous, default_thresholds, start, end, rows,
                   model_versions, measures=None):
  """A Window of these statistics: skew against `baseline` (the training statistics), schema
  anomalies and drift against `previous` (the window before, or None). Thresholds are the
  schema's skew_comparator / drift_comparator, else `default_thresholds`
  (validate_statistics'); `measures` ({name: threshold}, see _measures) adds those measures
  for every feature."""
  environment = _environment(schema)
  skew = validation.validate_statistics(baseline, schema, environment=environment,
                                        serving_statistics=stats,
                                        default_thresholds=default_thresholds)
  anomalies = validation.validate_statistics(stats, schema, environment=environment,
                                             previous_statistics=previous,
                                             default_thresholds=default_thresholds)
  measured = _measure_all(stats, baseline, previous, measures) if measures else {}
  return Window(start, end, rows, list(model_versions), stats, skew, anomalies, measured,
                distances(skew, anomalies, measured))


def evaluate_windows(table, baseline, schema, seconds=None, rows=None, previous=None,
                     default_thresholds=None, measures=None):
  """The windows of a request-log table in memory (see split_windows), each compared as
  compare_window does, the first with `previous` (a window's statistics) when given."""
  features = [n for n in table.column_names if n not in METADATA_COLUMNS]
  windows = []
  for start, end, part in split_windows(table, seconds, rows):
    stats = validation.generate_statistics(part.select(features))
    versions = sorted(set(part.column("model_version").to_pylist()))
    windows.append(compare_window(stats, baseline, schema, previous, default_thresholds, start,
                                  end, part.num_rows, versions, measures))
    previous = stats
  return windows


def alerts(window):
  """(kind, feature, description, severity) of what the window raised: "skew" and "drift" for
  each comparator it exceeded, "schema" for the rest of its anomalies (values out of domain,
  missing features, ...)."""
  out = []
  for checked, comparator_kind in ((window.skew, "skew"), (window.anomalies, "drift")):
    for feature, info in sorted(checked.anomaly_info.items()):
      for reason in info.reason:
        if reason.type in _COMPARATOR_ANOMALIES:
          out.append((comparator_kind, feature, reason.description, info.severity))
        elif checked is window.anomalies:
          out.append(("schema", feature, reason.description, info.severity))
  sides = {"skew": "training and serving", "drift": "current and previous"}
  for feature, kinds in sorted(window.measured.items()):
    for kind, values in sorted(kinds.items()):
      for name, (value, threshold) in sorted(values.items()):
        low = name in _measures.LOWER_IS_WORSE
        if (value < threshold) if low else (value > threshold):
          out.append((kind, feature, "The %s between %s is %.6g, %s the threshold %.6g." % (
              name.replace("_", " ").lower(), sides[kind], value, "below" if low else "above",
              threshold), anomalies_pb2.AnomalyInfo.ERROR))
  return out
