"""Validating statistics against a schema: anomalies, training/serving skew and drift, in
tensorflow_metadata's Anomalies proto (types, severities and descriptions as TFDV writes them).

Distances compare two datasets' statistics of one feature:
  L-infinity (categorical): max |p(v) - q(v)| over the values' frequencies (top values);
  Jensen-Shannon divergence (numeric: the standard histograms put on common buckets, mass
  spread evenly within a bucket; categorical: the value frequencies), base 2, in [0, 1].
Thresholds come from each feature's skew_comparator / drift_comparator in the schema, or from
`default_thresholds` for features without one. Every computed distance is reported in
drift_skew_info, over its threshold or not.
"""

import numpy as np

from tfx_core.proto import anomalies_pb2, schema_pb2, statistics_pb2
from tfx_core.validation._schema import common_stats, string_domain

AnomalyInfo = anomalies_pb2.AnomalyInfo
Measurement = anomalies_pb2.DriftSkewInfo.Measurement
_STRING = statistics_pb2.FeatureNameStatistics.STRING
_EXPECTED_STATS_TYPE = {
    schema_pb2.INT: statistics_pb2.FeatureNameStatistics.INT,
    schema_pb2.FLOAT: statistics_pb2.FeatureNameStatistics.FLOAT,
    schema_pb2.BYTES: _STRING,
}


def _features(statistics):
  if not statistics.datasets:
    raise ValueError("statistics have no datasets")
  return {".".join(f.path.step) or f.name: f for f in statistics.datasets[0].features}


def _add(anomalies, feature, kind, short, description, severity=AnomalyInfo.ERROR):
  info = anomalies.anomaly_info[feature]
  info.path.step[:] = feature.split(".")
  info.severity = max(info.severity, severity)
  info.reason.add(type=kind, short_description=short, description=description)
  # The anomaly's own texts summarize every reason, as TFDV does.
  info.short_description = short if len(info.reason) == 1 else "Multiple errors"
  info.description = " ".join(r.description for r in info.reason)


def _in_environment(schema, feature, environment):
  if environment is None:
    return True
  if environment in feature.not_in_environment:
    return False
  if feature.in_environment:
    return environment in feature.in_environment
  return not schema.default_environment or environment in schema.default_environment


def _check_feature(anomalies, schema, feature, stats, num_examples):
  name = feature.name
  common = common_stats(stats)
  expected = _EXPECTED_STATS_TYPE.get(feature.type)
  if expected is not None and stats.type != expected and common.num_non_missing:
    _add(anomalies, name, AnomalyInfo.UNEXPECTED_DATA_TYPE, "Unexpected data type",
         "Expected data of type: %s but got %s" % (
             schema_pb2.FeatureType.Name(feature.type),
             statistics_pb2.FeatureNameStatistics.Type.Name(stats.type)))
    return  # The other checks assume the declared type.
  if feature.HasField("presence"):
    present = common.num_non_missing
    fraction = present / num_examples if num_examples else 1.0
    if feature.presence.min_fraction and fraction < feature.presence.min_fraction:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_FRACTION_PRESENT, "Column dropped",
           "The feature was present in fewer examples than expected: minimum fraction = %g, "
           "actual = %g" % (feature.presence.min_fraction, fraction))
    if feature.presence.min_count and present < feature.presence.min_count and num_examples:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_NUMBER_PRESENT, "Column dropped",
           "The feature was present in fewer examples than expected: minimum count = %d, "
           "actual = %d" % (feature.presence.min_count, present))
  if common.num_non_missing:
    low = high = None
    if feature.HasField("shape"):
      size = int(np.prod([d.size for d in feature.shape.dim]))
      if common.min_num_values != size or common.max_num_values != size:
        _add(anomalies, name, AnomalyInfo.INVALID_FEATURE_SHAPE, "Invalid shape",
             "Expected %d values per example (shape %s); got %d to %d" % (
                 size, [d.size for d in feature.shape.dim], common.min_num_values,
                 common.max_num_values))
    elif feature.HasField("value_count"):
      low, high = feature.value_count.min, feature.value_count.max
    if low and common.min_num_values < low:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_NUMBER_VALUES, "Missing values",
           "Some examples have fewer values than expected: minimum %d, got %d" % (
               low, common.min_num_values))
    if high and common.max_num_values > high:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_HIGH_NUMBER_VALUES, "Superfluous values",
           "Some examples have more values than expected: maximum %d, got %d" % (
               high, common.max_num_values))
  if stats.HasField("string_stats"):
    _check_string_domain(anomalies, schema, feature, stats.string_stats)
  elif stats.HasField("num_stats"):
    _check_numeric_domain(anomalies, feature, stats)


def _check_string_domain(anomalies, schema, feature, string_stats):
  allowed = string_domain(schema, feature)
  if allowed is None:
    return
  total = string_stats.common_stats.tot_num_values or 1
  # The rank histogram lists up to 1000 values: every value of a domain-sized feature.
  unexpected = [(b.label, b.sample_count / total)
                for b in string_stats.rank_histogram.buckets if b.label not in allowed]
  if not unexpected:
    return
  mass = sum(f for _, f in unexpected)
  min_mass = feature.distribution_constraints.min_domain_mass \
      if feature.HasField("distribution_constraints") else 1.0
  if 1.0 - mass < min_mass:
    listed = ", ".join("%s (~%s%%)" % (v, _pct(f)) for v, f in unexpected[:10])
    more = " and %d more" % (len(unexpected) - 10) if len(unexpected) > 10 else ""
    _add(anomalies, feature.name, AnomalyInfo.ENUM_TYPE_UNEXPECTED_STRING_VALUES,
         "Unexpected string values",
         "Examples contain values missing from the schema: %s%s." % (listed, more))


def _pct(fraction):
  return "%.3g" % (100 * fraction) if fraction >= 0.001 else "<0.1"


def _check_numeric_domain(anomalies, feature, stats):
  num = stats.num_stats
  nan = num.histograms[0].num_nan if num.histograms else 0
  infinities = {c.name: c.num for c in stats.custom_stats}
  has_inf = infinities.get("num_pos_inf", 0) + infinities.get("num_neg_inf", 0) > 0
  if feature.HasField("int_domain"):
    domain, small, big = feature.int_domain, AnomalyInfo.INT_TYPE_SMALL_INT, \
        AnomalyInfo.INT_TYPE_BIG_INT
  elif feature.HasField("float_domain"):
    domain, small, big = feature.float_domain, AnomalyInfo.FLOAT_TYPE_SMALL_FLOAT, \
        AnomalyInfo.FLOAT_TYPE_BIG_FLOAT
    if domain.disallow_nan and nan:
      _add(anomalies, feature.name, AnomalyInfo.FLOAT_TYPE_HAS_NAN, "Invalid values",
           "Float feature has NaN values (%d)." % nan)
    if domain.disallow_inf and has_inf:
      _add(anomalies, feature.name, AnomalyInfo.FLOAT_TYPE_HAS_INF, "Invalid values",
           "Float feature has Inf values.")
  else:
    return
  if domain.HasField("min") and num.min < domain.min:
    _add(anomalies, feature.name, small, "Out-of-range values",
         "Unexpectedly low values: %g < %g (the domain's min)" % (num.min, domain.min))
  if domain.HasField("max") and num.max > domain.max:
    _add(anomalies, feature.name, big, "Out-of-range values",
         "Unexpectedly high values: %g > %g (the domain's max)" % (num.max, domain.max))


def _value_distribution(stats):
  """{value: probability} of a categorical feature from its rank histogram (or top values)."""
  s = stats.string_stats
  pairs = [(b.label, b.sample_count) for b in s.rank_histogram.buckets] or \
      [(v.value, v.frequency) for v in s.top_values]
  total = sum(c for _, c in pairs)
  return {v: c / total for v, c in pairs} if total else {}


def _standard_histogram(stats):
  for h in stats.num_stats.histograms:
    if h.type == statistics_pb2.Histogram.STANDARD:
      return [(b.low_value, b.high_value, b.sample_count) for b in h.buckets]
  return []


def _rebucket(buckets, edges):
  """Mass of `buckets` in each [edges[i], edges[i+1]], spread evenly within a bucket (a bucket
  of zero width is a point mass, given to the first interval that holds it)."""
  out = np.zeros(len(edges) - 1)
  for low, high, count in buckets:
    if high <= low:
      i = min(max(np.searchsorted(edges, low, side="right") - 1, 0), len(out) - 1)
      out[i] += count
      continue
    overlap = np.clip(np.minimum(edges[1:], high) - np.maximum(edges[:-1], low), 0, None)
    out += count * overlap / (high - low)
  return out


def _jsd(p, q):
  p, q = np.asarray(p, float), np.asarray(q, float)
  if p.sum() <= 0 or q.sum() <= 0:
    return 0.0
  p, q = p / p.sum(), q / q.sum()
  m = (p + q) / 2

  def kl(a):
    mask = a > 0
    return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

  return max(0.0, min(1.0, (kl(p) + kl(q)) / 2))


def l_infinity(a, b):
  """L-infinity distance of two features' value frequencies."""
  p, q = _value_distribution(a), _value_distribution(b)
  return max((abs(p.get(v, 0.0) - q.get(v, 0.0)) for v in set(p) | set(q)), default=0.0)


def jensen_shannon(a, b):
  """Jensen-Shannon divergence (base 2) of two features' distributions."""
  if a.HasField("string_stats") or b.HasField("string_stats"):
    p, q = _value_distribution(a), _value_distribution(b)
    values = sorted(set(p) | set(q))
    return _jsd([p.get(v, 0.0) for v in values], [q.get(v, 0.0) for v in values])
  ha, hb = _standard_histogram(a), _standard_histogram(b)
  if not ha or not hb:
    return 0.0
  edges = np.unique([x for low, high, _ in ha + hb for x in (low, high)])
  if len(edges) == 1:
    return 0.0
  return _jsd(_rebucket(ha, edges), _rebucket(hb, edges))


def _compare(anomalies, feature, current, other, comparator, defaults, kind):
  """Adds the distances of `current` and `other` (one feature) and their anomalies."""
  name = feature.name
  categorical = current.HasField("string_stats")
  measurements = []
  if comparator.HasField("infinity_norm"):
    measurements.append((Measurement.L_INFTY, comparator.infinity_norm.threshold))
  if comparator.HasField("jensen_shannon_divergence"):
    measurements.append((Measurement.JENSEN_SHANNON_DIVERGENCE,
                         comparator.jensen_shannon_divergence.threshold))
  if not measurements and defaults:
    key = "infinity_norm" if categorical else "jensen_shannon_divergence"
    if key in defaults:
      measurements.append((Measurement.L_INFTY if categorical else
                           Measurement.JENSEN_SHANNON_DIVERGENCE, float(defaults[key])))
  if not measurements:
    return
  info = next((i for i in anomalies.drift_skew_info if ".".join(i.path.step) == name), None)
  if info is None:
    info = anomalies.drift_skew_info.add()
    info.path.step[:] = name.split(".")
  between = "training and serving" if kind == "skew" else "current and previous"
  for mtype, threshold in measurements:
    if mtype == Measurement.L_INFTY:
      if not (current.HasField("string_stats") and other.HasField("string_stats")):
        continue  # L-infinity compares value frequencies: categorical features only.
      value = l_infinity(current, other)
    else:
      value = jensen_shannon(current, other)
    getattr(info, kind + "_measurements").add(type=mtype, value=value, threshold=threshold)
    if value > threshold:
      if mtype == Measurement.L_INFTY:
        _add(anomalies, name, AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
             "High Linfty distance between %s" % between,
             "The Linfty distance between %s is %.6g (up to six significant digits), above the "
             "threshold %g." % (between, value, threshold))
      else:
        _add(anomalies, name, AnomalyInfo.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
             "High approximate Jensen-Shannon divergence between %s" % between,
             "The approximate Jensen-Shannon divergence between %s is %.6g (up to six "
             "significant digits), above the threshold %g." % (between, value, threshold))


def validate_statistics(statistics, schema, environment=None, previous_statistics=None,
                        serving_statistics=None, default_thresholds=None):
  """Anomalies of `statistics` (a DatasetFeatureStatisticsList) against `schema`.

  environment: e.g. "SERVING": features not in it are neither required nor checked.
  previous_statistics: the previous span's statistics, for drift.
  serving_statistics: serving data's statistics, for skew (`statistics` is the training side).
  default_thresholds: {"infinity_norm": t, "jensen_shannon_divergence": t} for features
  without a comparator in the schema.
  """
  anomalies = anomalies_pb2.Anomalies(anomaly_name_format=anomalies_pb2.Anomalies.SERIALIZED_PATH)
  anomalies.baseline.CopyFrom(schema)
  features = _features(statistics)
  num_examples = statistics.datasets[0].num_examples
  declared = {f.name: f for f in schema.feature}
  for name, feature in declared.items():
    if not _in_environment(schema, feature, environment):
      continue
    stats = features.get(name)
    if stats is None or not common_stats(stats).num_non_missing:
      required = feature.presence.min_count > 0 or feature.presence.min_fraction > 0 \
          if feature.HasField("presence") else False
      if required and num_examples:
        _add(anomalies, name, AnomalyInfo.SCHEMA_MISSING_COLUMN, "Column dropped",
             "Column is completely missing")
      continue
    _check_feature(anomalies, schema, feature, stats, num_examples)
  for name in sorted(set(features) - set(declared)):
    _add(anomalies, name, AnomalyInfo.SCHEMA_NEW_COLUMN, "New column",
         "New column (column in data but not in schema)")
  limits = schema.dataset_constraints
  if schema.HasField("dataset_constraints"):
    info = anomalies.dataset_anomaly_info
    if limits.HasField("min_examples_count") and num_examples < limits.min_examples_count:
      info.severity = AnomalyInfo.ERROR
      info.reason.add(type=AnomalyInfo.DATASET_LOW_NUM_EXAMPLES, short_description="Low num examples in dataset.",
                      description="The dataset has %d examples, fewer than the minimum %d." % (
                          num_examples, limits.min_examples_count))
    if limits.HasField("max_examples_count") and num_examples > limits.max_examples_count:
      info.severity = AnomalyInfo.ERROR
      info.reason.add(type=AnomalyInfo.DATASET_HIGH_NUM_EXAMPLES,
                      short_description="High num examples in dataset.",
                      description="The dataset has %d examples, more than the maximum %d." % (
                          num_examples, limits.max_examples_count))
  for kind, other_stats, attr in (("drift", previous_statistics, "drift_comparator"),
                                  ("skew", serving_statistics, "skew_comparator")):
    if other_stats is None:
      continue
    others = _features(other_stats)
    for name, feature in declared.items():
      if name in features and name in others:
        _compare(anomalies, feature, features[name], others[name], getattr(feature, attr),
                 default_thresholds, kind)
  return anomalies


def max_severity(anomalies):
  severities = [i.severity for i in anomalies.anomaly_info.values()]
  if anomalies.HasField("dataset_anomaly_info"):
    severities.append(anomalies.dataset_anomaly_info.severity)
  return max(severities, default=AnomalyInfo.UNKNOWN)
