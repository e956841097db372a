"""TFMA's threshold validation: the candidate's metrics per slice against value thresholds, and
its diffs from the baseline against change thresholds, as a ValidationResult.

MetricConfig.threshold applies to every slice; per_slice_thresholds to the slices their
slicing specs match; MetricsSpec.thresholds names metric keys directly. Bounds are inclusive;
NaN fails. With no baseline (the first run, TFMA's "rubber stamp") change thresholds are
skipped. A config with no thresholds at all passes only as a rubber stamp, as in TFMA.
"""

import dataclasses
import math

from tfx_core.evaluation import _registry
from tfx_core.evaluation._evaluate import MetricKey
from tfx_core.evaluation._slicing import slice_key_proto, spec_matches
from tfx_core.proto import eval_config_pb2, validation_result_pb2

NOT_FOUND = "Metric not found."


def _thresholds(eval_config, model_name):
  """(result name, class_ids or [None], slicing specs or None, MetricThreshold, whole name?)
  for the model's metrics: a MetricConfig's threshold covers every key its metric writes
  (name, name@t, name/x@t); MetricsSpec.thresholds name one key."""
  out = []
  for spec in eval_config.metrics_specs:
    if spec.model_names and model_name not in spec.model_names:
      continue
    class_ids = list(spec.binarize.class_ids.values) or [None]
    for config in spec.metrics:
      _, _, name = _registry.resolve(config)
      if config.HasField("threshold"):
        out.append((name, class_ids, None, config.threshold, False))
      for per_slice in config.per_slice_thresholds:
        out.append((name, class_ids, list(per_slice.slicing_specs), per_slice.threshold, False))
    for name, threshold in spec.thresholds.items():
      out.append((name, class_ids, None, threshold, True))
    for name, per_slice in spec.per_slice_thresholds.items():
      for t in per_slice.thresholds:
        out.append((name, class_ids, list(t.slicing_specs), t.threshold, True))
  return out


def _keys_of(metrics, name, class_id, model_name, whole):
  found = []
  for key in metrics:
    if key.model_name != model_name or key.class_id != class_id or key.is_diff:
      continue
    if key.name == name or (not whole and key.name.startswith((name + "@", name + "/"))):
      found.append(key)
  return sorted(found)


def _failure(key, threshold, value, message):
  failure = validation_result_pb2.ValidationFailure(metric_key=key.proto(), message=message)
  failure.metric_threshold.CopyFrom(threshold)
  if value is not None:
    failure.metric_value.double_value.value = value
  return failure


def _check_value(threshold, value):
  lower = threshold.lower_bound.value if threshold.HasField("lower_bound") else -math.inf
  upper = threshold.upper_bound.value if threshold.HasField("upper_bound") else math.inf
  return not math.isnan(value) and lower <= value <= upper


def _check_change(threshold, diff, baseline):
  higher = threshold.direction == eval_config_pb2.HIGHER_IS_BETTER
  checks = []
  if threshold.HasField("absolute"):
    checks.append((diff, threshold.absolute.value))
  if threshold.HasField("relative"):
    ratio = math.nan if math.isclose(baseline, 0) else diff / baseline
    checks.append((ratio, threshold.relative.value))
  return all(not math.isnan(v) and (v >= bound if higher else v <= bound) for v, bound in checks)


def validate(eval_config, result, candidate_name, rubber_stamp):
  """A ValidationResult for the candidate model's results (an EvalResult)."""
  out = validation_result_pb2.ValidationResult(rubber_stamp=rubber_stamp)
  thresholds = _thresholds(eval_config, candidate_name)
  baseline = result.baseline_name
  if not thresholds:
    out.missing_thresholds = not rubber_stamp
    out.validation_ok = rubber_stamp
    return out
  matched = set()
  for s in result.slices:
    failures = []
    for index, (name, class_ids, specs, threshold, whole) in enumerate(thresholds):
      if specs is not None:
        hits = [i for i, spec in enumerate(specs) if spec_matches(spec, s.key)]
        if not hits:
          continue
        matched.update((index, i) for i in hits)
      for class_id in class_ids:
        keys = _keys_of(s.metrics, name, class_id, candidate_name, whole)
        if not keys:
          failures.append(_failure(MetricKey(name, candidate_name, class_id), threshold, None,
                                   NOT_FOUND))
          continue
        for key in keys:
          value = s.metrics[key]
          if threshold.HasField("value_threshold") and not _check_value(
              threshold.value_threshold, value):
            failures.append(_failure(key, threshold, value, "%s = %.6g on slice %s is outside "
                                     "%s" % (key, value, s.name, _bounds(threshold))))
          if threshold.HasField("change_threshold") and baseline is not None:
            diff_key = dataclasses.replace(key, is_diff=True)
            base = s.metrics.get(dataclasses.replace(key, model_name=baseline))
            if diff_key not in s.metrics or base is None:
              failures.append(_failure(diff_key, threshold, None, NOT_FOUND))
            elif not _check_change(threshold.change_threshold, s.metrics[diff_key], base):
              failures.append(_failure(diff_key, threshold, s.metrics[diff_key], (
                  "%s changed by %+.6g from the baseline's %.6g on slice %s; the change threshold "
                  "wants %s" % (key.name, s.metrics[diff_key], base, s.name,
                                _change(threshold.change_threshold)))))
    if failures:
      entry = out.metric_validations_per_slice.add(slice_key=slice_key_proto(s.key))
      entry.failures.extend(failures)
  for index, (_, _, specs, _, _) in enumerate(thresholds):
    for i, spec in enumerate(specs or []):
      if (index, i) not in matched and spec not in out.missing_slices:
        out.missing_slices.add().CopyFrom(spec)
  out.validation_ok = not out.metric_validations_per_slice and not out.missing_slices
  return out


def _bounds(threshold):
  t = threshold.value_threshold
  lower = t.lower_bound.value if t.HasField("lower_bound") else -math.inf
  upper = t.upper_bound.value if t.HasField("upper_bound") else math.inf
  return "[%g, %g]" % (lower, upper)


def _change(t):
  sign = ">=" if t.direction == eval_config_pb2.HIGHER_IS_BETTER else "<="
  parts = []
  if t.HasField("absolute"):
    parts.append("a change %s %g" % (sign, t.absolute.value))
  if t.HasField("relative"):
    parts.append("a relative change %s %g" % (sign, t.relative.value))
  return " and ".join(parts)


def failures_text(validation):
  """One line per failed threshold (empty when the validation passed)."""
  lines = []
  for entry in validation.metric_validations_per_slice:
    for failure in entry.failures:
      lines.append(failure.message)
  for spec in validation.missing_slices:
    lines.append("no slice matches %s" % str(spec).replace("\n", " ").strip())
  return lines

