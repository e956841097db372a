"""Validating statistics against a schema: anomalies, training/serving skew and drift, in
tensorflow_metadata's Anomalies proto, as TFDV's validate_statistics writes them: the same
reason types, checks in the same order, the same short descriptions and descriptions (number
formats included), every reason an ERROR.

Distances compare two datasets' statistics of one feature, as TFDV computes them:
  L-infinity: max |p(v) - q(v)| over the rank histograms' value frequencies (0 for a numeric
  feature, which has none); ties go to the last value in byte order.
  Jensen-Shannon divergence, base 2, in [0, 1]: categorical on the value frequencies; numeric
  on the standard histograms put on common buckets (mass spread evenly within a bucket),
  zero-width buckets as point masses, and infinite or NaN values as mass the other side never
  matches.
Thresholds come from each feature's skew_comparator / drift_comparator in the schema, or from
`default_thresholds` for features without one. Every computed distance is reported in
drift_skew_info, over its threshold or not.

Where we differ from TFDV on purpose: DATASET_HIGH_NUM_EXAMPLES is checked whenever
max_examples_count is set (TFDV checks it only when min_examples_count is set too), and a
previous span or serving data whose statistics hold a feature without values is "data missing"
for it, like one that lacks the feature.
"""

import math

import numpy as np

from tfx_core.proto import anomalies_pb2, schema_pb2, statistics_pb2
from tfx_core.validation._schema import common_stats, int_label, string_domain

AnomalyInfo = anomalies_pb2.AnomalyInfo
Measurement = anomalies_pb2.DriftSkewInfo.Measurement
Stats = statistics_pb2.FeatureNameStatistics
_DEPRECATED_STAGES = {schema_pb2.PLANNED, schema_pb2.ALPHA, schema_pb2.DEPRECATED,
                      schema_pb2.DEBUG_ONLY, schema_pb2.DISABLED}
# TFDV's view of a statistics type as a schema type.
_SCHEMA_TYPE_OF_STATS = {Stats.INT: schema_pb2.INT, Stats.FLOAT: schema_pb2.FLOAT,
                         Stats.STRING: schema_pb2.BYTES, Stats.BYTES: schema_pb2.BYTES,
                         Stats.STRUCT: schema_pb2.STRUCT}
# Treatment and control, as TFDV names them in comparator descriptions.
_SIDES = {"drift": ("current", "previous"), "skew": ("training", "serving")}


def _g(x):
  """absl::SixDigits / StrCat(double): %.6g."""
  return "%.6g" % x


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
  info.description = " ".join(r.description for r in info.reason if r.description)


def _deprecated(feature):
  return feature.deprecated or feature.lifecycle_stage in _DEPRECATED_STAGES


def _in_environment(schema, feature, environment):
  """TFDV's rule: with an environment, a feature is in it if it lists it in in_environment,
  or lists it nowhere and the schema's default_environment holds it."""
  if environment is None or environment in feature.in_environment:
    return True
  if environment in feature.not_in_environment:
    return False
  return environment in schema.default_environment


def _required(schema, feature, environment):
  return not _deprecated(feature) and _in_environment(schema, feature, environment) and (
      feature.presence.min_count > 0 or feature.presence.min_fraction > 0)


def _check_feature(anomalies, schema, feature, stats, num_examples, environment):
  """Every check of one declared feature present in the statistics, in TFDV's order."""
  name = feature.name
  common = common_stats(stats)
  if not common.num_non_missing:
    if _required(schema, feature, environment):
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_NOT_PRESENT, "Column dropped",
           "The feature was not present in any examples.")
    return False
  if not _in_environment(schema, feature, environment):
    _add(anomalies, name, AnomalyInfo.SCHEMA_NEW_COLUMN, "Column missing in environment",
         "New column %s found in data but not in the environment %s in the schema." % (
             name, environment))
  if feature.HasField("value_count"):
    if feature.value_count.HasField("min") and common.min_num_values < feature.value_count.min:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_NUMBER_VALUES, "Missing values",
           "Some examples have fewer values than expected.")
    if feature.value_count.HasField("max") and common.max_num_values > feature.value_count.max:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_HIGH_NUMBER_VALUES, "Superfluous values",
           "Some examples have more values than expected.")
  if feature.HasField("shape"):
    fixed = common.min_num_values \
        if common.min_num_values == common.max_num_values and common.min_num_values else -1
    if fixed <= 0 or common.num_missing:
      _add(anomalies, name, AnomalyInfo.INVALID_FEATURE_SHAPE, "Feature shape dropped",
           "The feature has a shape, but it's not always present (if the feature is nested, "
           "then it should always be present at each nested level) or its value lengths vary.")
    elif fixed != int(np.prod([d.size for d in feature.shape.dim])):
      _add(anomalies, name, AnomalyInfo.INVALID_FEATURE_SHAPE, "Feature shape dropped",
           "The feature has fixed value length %d but it's not compatible with the specified "
           "shape." % fixed)
  if feature.HasField("presence"):
    _check_presence(anomalies, feature, common, num_examples)
  actual = _SCHEMA_TYPE_OF_STATS.get(stats.type)
  if feature.HasField("type") and actual != feature.type:
    _add(anomalies, name, AnomalyInfo.UNEXPECTED_DATA_TYPE, "Unexpected data type",
         "Expected data of type: %s but got %s" % (
             schema_pb2.FeatureType.Name(feature.type), Stats.Type.Name(stats.type)))
  # TFDV goes on after a type mismatch: numbers read as strings still meet their domain.
  if stats.HasField("string_stats") and string_domain(schema, feature) is not None:
    _check_string_domain(anomalies, schema, feature, stats.string_stats)
  elif feature.HasField("int_domain"):
    _check_int_domain(anomalies, feature, stats)
  elif feature.HasField("float_domain"):
    _check_float_domain(anomalies, feature, stats)
  return True


def _check_presence(anomalies, feature, common, num_examples):
  name, presence, present = feature.name, feature.presence, common.num_non_missing
  if presence.HasField("min_count") and present < presence.min_count:
    _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_NUMBER_PRESENT, "Column dropped",
         "The feature was present in fewer examples than expected: minimum count = %d, "
         "actual = %d" % (presence.min_count, present))
  if presence.HasField("min_fraction"):
    fraction = 1.0 if not common.num_missing else present / num_examples
    if fraction < presence.min_fraction:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_FRACTION_PRESENT, "Column dropped",
           "The feature was present in fewer examples than expected: minimum fraction = %f, "
           "actual = %f" % (np.float32(presence.min_fraction), fraction))
    elif presence.min_fraction == 1.0 and common.num_missing:
      _add(anomalies, name, AnomalyInfo.FEATURE_TYPE_LOW_FRACTION_PRESENT, "Column dropped",
           "The feature was expected everywhere, but was missing in %s examples." % (
               _g(common.num_missing)))


def _labels(stats):
  """A string feature's values from its rank histogram, in byte order."""
  return sorted({b.label for b in stats.string_stats.rank_histogram.buckets},
                key=lambda v: v.encode("utf-8"))


def _c_escape(value):
  """absl::Utf8SafeCEscape: C escapes for quotes, backslashes and control bytes."""
  out = []
  for ch in value:
    if ch in "\n\r\t\"'\\":
      out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, "\\" + ch))
    elif ord(ch) < 0x80 and not ch.isprintable():
      out.append("\\%03o" % ord(ch))
    else:
      out.append(ch)
  return "".join(out)


def _check_string_domain(anomalies, schema, feature, string_stats):
  if string_stats.invalid_utf8_count:
    _add(anomalies, feature.name, AnomalyInfo.ENUM_TYPE_INVALID_UTF8, "Invalid UTF8 strings",
         "Found strings that were not valid UTF8 strings.")
    return
  allowed = string_domain(schema, feature)
  missing = {}
  for b in string_stats.rank_histogram.buckets:
    if b.label not in allowed:
      missing[b.label] = missing.get(b.label, 0.0) + b.sample_count
  if not missing:
    return
  common = string_stats.common_stats
  total = common.tot_num_values or common.num_non_missing * common.avg_num_values
  constraints = feature.distribution_constraints
  max_off_domain = 1.0 - constraints.min_domain_mass \
      if constraints.HasField("min_domain_mass") else 0.0
  mass = sum(missing.values())
  if not (max_off_domain == 0.0 or (total and mass / total > max_off_domain)):
    return

  def percent(count):
    if not total:
      return "?"
    share = 100.0 * int(count) / total
    return "<1%" if share < 1 else "~%d%%" % int(share)

  listed = ", ".join("%s (%s)" % (_c_escape(v), percent(missing[v]))
                     for v in sorted(missing, key=lambda v: v.encode("utf-8")))
  _add(anomalies, feature.name, AnomalyInfo.ENUM_TYPE_UNEXPECTED_STRING_VALUES,
       "Unexpected string values",
       "Examples contain values missing from the schema: %s. " % listed)


def _check_int_domain(anomalies, feature, stats):
  name, domain = feature.name, feature.int_domain
  if stats.HasField("string_stats"):
    labels = _labels(stats)
    if not labels:
      return
    values = []
    for label in labels:
      value = int_label(label)
      if value is None:
        _add(anomalies, name, AnomalyInfo.INT_TYPE_NOT_INT_STRING, "Invalid values",
             "String values that were not ints were found, such as \"%s\"." % label)
        return
      values.append(value)
    low, high = min(values), max(values)
  elif stats.type == Stats.INT:
    low, high = int(stats.num_stats.min), int(stats.num_stats.max)
  else:
    return
  if domain.HasField("min") and domain.min > low:
    _add(anomalies, name, AnomalyInfo.INT_TYPE_SMALL_INT, "Out-of-range values",
         "Unexpectedly small value: %d." % low)
  if domain.HasField("max") and domain.max < high:
    _add(anomalies, name, AnomalyInfo.INT_TYPE_BIG_INT, "Out-of-range values",
         "Unexpectedly large value: %d." % high)


def _float_label(label):
  try:
    return float(label.strip())
  except ValueError:
    return None


def _check_float_domain(anomalies, feature, stats):
  name, domain = feature.name, feature.float_domain
  if stats.HasField("string_stats"):
    labels = _labels(stats)
    values = [_float_label(label) for label in labels]
    has_nan = any(v is not None and math.isnan(v) for v in values)
  elif stats.type == Stats.FLOAT:
    has_nan = any(h.num_nan for h in stats.num_stats.histograms)
  else:
    return
  if domain.disallow_nan and has_nan:
    _add(anomalies, name, AnomalyInfo.FLOAT_TYPE_HAS_NAN, "Invalid values",
         "Float feature has NaN values.")
  if stats.HasField("string_stats"):
    bad = next((label for label, v in zip(labels, values) if v is None), None)
    if bad is not None:
      _add(anomalies, name, AnomalyInfo.FLOAT_TYPE_STRING_NOT_FLOAT, "Invalid values",
           "String values that were not floats were found, such as \"%s\"." % bad)
      return
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
      return
    low, high = min(finite), max(finite)
  else:
    # As float, as TFDV reads them (so a double beyond float's range reads as inf).
    with np.errstate(over="ignore"):
      low, high = float(np.float32(stats.num_stats.min)), float(np.float32(stats.num_stats.max))
  if domain.HasField("min") and low < domain.min:
    _add(anomalies, name, AnomalyInfo.FLOAT_TYPE_SMALL_FLOAT, "Out-of-range values",
         "Unexpectedly low values: %s<%s(upto six significant digits)" % (
             _g(low), _g(domain.min)))
  if domain.HasField("max") and high > domain.max:
    _add(anomalies, name, AnomalyInfo.FLOAT_TYPE_BIG_FLOAT, "Out-of-range values",
         "Unexpectedly high value: %s>%s(upto six significant digits)" % (
             _g(high), _g(domain.max)))
  if domain.disallow_inf and (math.isinf(low) or math.isinf(high)):
    _add(anomalies, name, AnomalyInfo.FLOAT_TYPE_HAS_INF, "Invalid values",
         "Float feature has Inf values.")


def _value_counts(stats):
  """{value: count} of a feature's rank histogram ({} for numeric features)."""
  counts = {}
  if stats.HasField("string_stats"):
    for b in stats.string_stats.rank_histogram.buckets:
      counts[b.label] = counts.get(b.label, 0.0) + b.sample_count
  return counts


def _max_difference(p, q):
  """(value, |p - q|) of largest difference; ties to the last value in byte order."""
  best = ("", 0.0)
  for v in sorted(set(p) | set(q), key=lambda v: v.encode("utf-8")):
    d = abs(p.get(v, 0.0) - q.get(v, 0.0))
    if d >= best[1]:
      best = (v, d)
  return best


def _normalized(counts, total):
  return {v: c / total for v, c in counts.items()} if total else dict(counts)


def _l_infinity(a, b):
  ca, cb = _value_counts(a), _value_counts(b)
  return _max_difference(_normalized(ca, sum(ca.values())), _normalized(cb, sum(cb.values())))


def _normalized_abs_difference(a, b):
  ca, cb = _value_counts(a), _value_counts(b)
  total = sum(ca.values()) + sum(cb.values())
  return _max_difference(_normalized(ca, total), _normalized(cb, total))


def l_infinity(a, b):
  """L-infinity distance of two features' value frequencies (0 for numeric features)."""
  return _l_infinity(a, b)[1]


def _standard_histogram(stats):
  for h in stats.num_stats.histograms:
    if h.type == statistics_pb2.Histogram.STANDARD:
      return h
  return None


def _strip(histogram):
  """(finite buckets of non-zero width, {point: mass}, mass at infinite bounds)."""
  buckets, points, infinite = [], {}, 0.0
  for b in histogram.buckets:
    if not (math.isfinite(b.low_value) and math.isfinite(b.high_value)):
      infinite += b.sample_count
    elif b.low_value == b.high_value:
      points[b.low_value] = points.get(b.low_value, 0.0) + b.sample_count
    else:
      buckets.append((b.low_value, b.high_value, b.sample_count))
  return buckets, points, infinite


def _rebucket(buckets, edges):
  """Mass of `buckets` in each [edges[i], edges[i+1]], spread evenly within a bucket."""
  out = np.zeros(max(len(edges) - 1, 0))
  for low, high, count in buckets:
    overlap = np.clip(np.minimum(edges[1:], high) - np.maximum(edges[:-1], low), 0, None)
    out += count * overlap / (high - low)
  return out


def _aligned(ha, hb):
  """Both histograms on common buckets, as TFDV's AlignHistograms puts them."""
  (ba, pa_, ia), (bb, pb, ib) = _strip(ha), _strip(hb)
  bounds_a = {x for low, high, _ in ba for x in (low, high)}
  bounds_b = {x for low, high, _ in bb for x in (low, high)}
  nan_a, nan_b = ha.num_nan, hb.num_nan
  if bounds_a != bounds_b:
    edges = np.array(sorted(bounds_a | bounds_b))
    p, q = list(_rebucket(ba, edges)), list(_rebucket(bb, edges))
    nan_a = nan_b = 0  # TFDV's rebucketing drops the NaN counts.
  else:
    p, q = [c for _, _, c in ba], [c for _, _, c in bb]
  for point in sorted(set(pa_) | set(pb)):
    p.append(pa_.get(point, 0.0))
    q.append(pb.get(point, 0.0))
  if ia:
    p.append(ia)
    q.append(0.0)
  if ib:
    p.append(0.0)
    q.append(ib)
  if nan_a or nan_b:
    p += [0.0, nan_a]
    q += [nan_b, 0.0]
  return p, q


def _jsd(p, q):
  p, q = np.asarray(p, float), np.asarray(q, float)
  if p.sum() <= 0 or q.sum() <= 0:
    return None
  p, q = p / p.sum(), q / q.sum()
  m = (p + q) / 2

  def kl(a):
    mask = (a > 0) & (m > 0)
    return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

  return min(1.0, (kl(p) + kl(q)) / 2)


def _jensen_shannon(a, b):
  """The divergence, or None where TFDV cannot compute one (no data, numeric vs string)."""
  ca, cb = _value_counts(a), _value_counts(b)
  if ca and cb:
    values = sorted(set(ca) | set(cb))
    return _jsd([ca.get(v, 0.0) for v in values], [cb.get(v, 0.0) for v in values])
  ha, hb = _standard_histogram(a), _standard_histogram(b)
  if ha is None or hb is None:
    return None
  return _jsd(*_aligned(ha, hb))


def jensen_shannon(a, b):
  """Jensen-Shannon divergence (base 2) of two features' distributions (0 if undefined)."""
  value = _jensen_shannon(a, b)
  return 0.0 if value is None else value


def _thresholds(comparator, defaults, categorical):
  """[(measurement type, threshold)] of a comparator, or of the defaults without one."""
  out = []
  if comparator.infinity_norm.HasField("threshold"):
    out.append((Measurement.L_INFTY, comparator.infinity_norm.threshold))
  if comparator.normalized_abs_difference.HasField("threshold"):
    out.append((Measurement.NORMALIZED_ABSOLUTE_DIFFERENCE,
                comparator.normalized_abs_difference.threshold))
  if comparator.jensen_shannon_divergence.HasField("threshold"):
    out.append((Measurement.JENSEN_SHANNON_DIVERGENCE,
                comparator.jensen_shannon_divergence.threshold))
  if not out and defaults:
    key = "infinity_norm" if categorical else "jensen_shannon_divergence"
    if key in defaults:
      out.append((Measurement.L_INFTY if categorical else Measurement.JENSEN_SHANNON_DIVERGENCE,
                  float(defaults[key])))
  return out


def _compare(anomalies, feature, current, other, comparator, defaults, kind):
  """The distances of `current` and `other` (one feature), their measurements and anomalies;
  `other` is None when the control data lacks the feature."""
  name = feature.name
  measurements = _thresholds(comparator, defaults, current.HasField("string_stats"))
  if not measurements:
    return
  treatment, control = _SIDES[kind]
  if other is None:
    _add(anomalies, name, AnomalyInfo.COMPARATOR_CONTROL_DATA_MISSING,
         "%s data missing" % control, "%s data is missing." % control)
    return
  info = next((i for i in anomalies.drift_skew_info if ".".join(i.path.step) == name), None)
  if info is None:
    info = anomalies.drift_skew_info.add()
    info.path.step[:] = name.split(".")
  between = "%s and %s" % (treatment, control)
  for mtype, threshold in measurements:
    if mtype == Measurement.JENSEN_SHANNON_DIVERGENCE:
      value = _jensen_shannon(current, other)
      if value is None:
        continue  # TFDV only logs a warning.
    else:
      label, value = (_l_infinity if mtype == Measurement.L_INFTY else
                      _normalized_abs_difference)(current, other)
    getattr(info, kind + "_measurements").add(type=mtype, value=value, threshold=threshold)
    if value <= threshold:
      continue
    if mtype == Measurement.L_INFTY:
      _add(anomalies, name, AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
           "High Linfty distance between %s" % between,
           "The Linfty distance between %s is %s (up to six significant digits), above the "
           "threshold %s. The feature value with maximum difference is: %s" % (
               between, _g(value), _g(threshold), label))
    elif mtype == Measurement.NORMALIZED_ABSOLUTE_DIFFERENCE:
      _add(anomalies, name, AnomalyInfo.COMPARATOR_NORMALIZED_ABSOLUTE_DIFFERENCE_HIGH,
           "High normalized absolute difference between %s" % between,
           "The normalized absolute difference between %s is %s (up to six significant "
           "digits), above the threshold %s. The feature value with maximum difference is: "
           "%s" % (between, _g(value), _g(threshold), label))
    else:
      _add(anomalies, name, AnomalyInfo.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
           "High approximate Jensen-Shannon divergence between %s" % between,
           "The approximate Jensen-Shannon divergence between %s is %s (up to six "
           "significant digits), above the threshold %s." % (between, _g(value), _g(threshold)))


def _check_dataset(anomalies, schema, num_examples):
  if not schema.HasField("dataset_constraints"):
    return
  limits, info = schema.dataset_constraints, anomalies.dataset_anomaly_info
  if limits.HasField("min_examples_count") and num_examples < limits.min_examples_count:
    info.severity = AnomalyInfo.ERROR
    info.reason.add(type=AnomalyInfo.DATASET_LOW_NUM_EXAMPLES,
                    short_description="Low num examples in dataset.",
                    description="The dataset has %s examples, which is fewer than expected." % (
                        _g(num_examples)))
  if limits.HasField("max_examples_count") and num_examples > limits.max_examples_count:
    info.severity = AnomalyInfo.ERROR
    info.reason.add(type=AnomalyInfo.DATASET_HIGH_NUM_EXAMPLES,
                    short_description="High num examples in dataset.",
                    description="The dataset has %s examples, which is more than expected." % (
                        _g(num_examples)))


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
  if not num_examples:
    anomalies.data_missing = True  # As TFDV: nothing to check in no data.
    return anomalies
  declared = {f.name: f for f in schema.feature}
  controls = {kind: _features(s) if s is not None else None for kind, s in
              (("drift", previous_statistics), ("skew", serving_statistics))}
  for name, stats in features.items():
    feature = declared.get(name)
    if feature is None:
      _add(anomalies, name, AnomalyInfo.SCHEMA_NEW_COLUMN, "New column",
           "New column (column in data but not in schema)")
      continue
    if _deprecated(feature):
      continue
    if not _check_feature(anomalies, schema, feature, stats, num_examples, environment):
      continue
    for kind, others in controls.items():  # Drift first, then skew, as TFDV.
      if others is None:
        continue
      other = others.get(name)
      if other is not None and not common_stats(other).num_non_missing:
        other = None
      _compare(anomalies, feature, stats, other, getattr(feature, kind + "_comparator"),
               default_thresholds, kind)
  for name, feature in declared.items():
    if name not in features and _required(schema, feature, environment):
      _add(anomalies, name, AnomalyInfo.SCHEMA_MISSING_COLUMN, "Column dropped",
           "Column is completely missing")
  _check_dataset(anomalies, schema, num_examples)
  return anomalies


def max_severity(anomalies):
  severities = [i.severity for i in anomalies.anomaly_info.values()]
  if anomalies.HasField("dataset_anomaly_info"):
    severities.append(anomalies.dataset_anomaly_info.severity)
  return max(severities, default=AnomalyInfo.UNKNOWN)
