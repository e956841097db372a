"""Distribution distances beyond TFDV's comparators, as Evidently and NannyML offer them:
population stability index, Kolmogorov-Smirnov, normed Wasserstein and a chi-squared test.
Each is computed from two features' statistics (their standard histograms or rank
histograms), so a window costs no more than its statistics.

A measure alerts when its value is above its threshold, except the chi-squared p-value, which
alerts below it (a small p-value says the window's categories are unlikely under the baseline's).
"""

import math

import numpy as np

from tfx_core.proto import statistics_pb2

PSI, KS, WASSERSTEIN, CHI2 = "PSI", "KOLMOGOROV_SMIRNOV", "WASSERSTEIN", "CHI_SQUARED_P_VALUE"
MEASURES = {"psi": PSI, "ks": KS, "wasserstein": WASSERSTEIN, "chi2": CHI2}
LOWER_IS_WORSE = {CHI2}
_FLOOR = 1e-4  # Empty bins' share in PSI (Evidently's).


def _rank_counts(stats):
  return {b.label: b.sample_count for b in stats.string_stats.rank_histogram.buckets} \
      if stats.HasField("string_stats") else {}


def _histogram(stats):
  for h in stats.num_stats.histograms:
    if h.type == statistics_pb2.Histogram.STANDARD:
      return h
  return None


def _on_edges(histogram, edges, clamp):
  """The histogram's finite mass on common bins [edges[i], edges[i+1]] (evenly spread within
  a bucket; a zero-width bucket's mass goes to the bin holding it). With `clamp`, mass beyond
  the edges goes to the end bins."""
  out = np.zeros(len(edges) - 1)
  lo, hi = edges[0], edges[-1]
  for b in histogram.buckets:
    if not (math.isfinite(b.low_value) and math.isfinite(b.high_value)):
      continue
    if b.high_value <= b.low_value:
      if clamp or lo <= b.low_value <= hi:
        out[min(max(np.searchsorted(edges, b.low_value, "right") - 1, 0), len(out) - 1)] += \
            b.sample_count
      continue
    width = b.high_value - b.low_value
    overlap = np.clip(np.minimum(edges[1:], b.high_value) - np.maximum(edges[:-1], b.low_value),
                      0, None)
    out += b.sample_count * overlap / width
    if clamp:
      out[0] += b.sample_count * max(0.0, min(b.high_value, lo) - b.low_value) / width
      out[-1] += b.sample_count * max(0.0, b.high_value - max(b.low_value, hi)) / width
  return out


def _numeric(a, b, reference_bins):
  """(edges, p, q): both features' finite values on common bins, normalized; or None. The bins
  are the baseline's buckets (`reference_bins`, the window's values outside them in the end
  bins, as PSI bins), else every bucket bound of both (for the CDFs)."""
  ha, hb = _histogram(a), _histogram(b)
  if ha is None or hb is None:
    return None
  sources = (ha,) if reference_bins else (ha, hb)
  edges = sorted({x for h in sources for bucket in h.buckets
                  for x in (bucket.low_value, bucket.high_value) if math.isfinite(x)})
  if len(edges) < 2:
    return None
  edges = np.array(edges)
  p, q = _on_edges(ha, edges, reference_bins), _on_edges(hb, edges, reference_bins)
  if p.sum() <= 0 or q.sum() <= 0:
    return None
  return edges, p / p.sum(), q / q.sum()


def _psi(p, q):
  p, q = np.maximum(p, _FLOOR), np.maximum(q, _FLOOR)
  return float(np.sum((q - p) * np.log(q / p)))


def _upper_gamma(s, x):
  """The regularized upper incomplete gamma function Q(s, x) (series or continued fraction)."""
  if x <= 0:
    return 1.0
  log_front = s * math.log(x) - x - math.lgamma(s)
  if x < s + 1:
    term = total = 1.0 / s
    n = s
    for _ in range(500):
      n += 1
      term *= x / n
      total += term
      if abs(term) < abs(total) * 1e-15:
        break
    return max(0.0, 1.0 - total * math.exp(log_front))
  b, c, d = x + 1 - s, 1e300, 1 / (x + 1 - s)
  h = d
  for i in range(1, 500):
    an = -i * (i - s)
    b += 2
    d = an * d + b
    d = 1e-300 if abs(d) < 1e-300 else d
    c = b + an / c
    c = 1e-300 if abs(c) < 1e-300 else c
    d = 1 / d
    h *= d * c
    if abs(d * c - 1) < 1e-15:
      break
  return min(1.0, math.exp(log_front) * h)


def _chi2_p_value(baseline, window):
  """Pearson's chi-squared test of the window's category counts against the baseline's shares
  (categories the baseline lacks pooled into one); its p-value."""
  total_b, total_w = sum(baseline.values()), sum(window.values())
  if total_b <= 0 or total_w <= 0:
    return None
  statistic, categories = 0.0, 0
  unseen = sum(c for v, c in window.items() if v not in baseline)
  for value, count in baseline.items():
    expected = total_w * count / total_b
    if expected > 0:
      statistic += (window.get(value, 0.0) - expected) ** 2 / expected
      categories += 1
  if unseen:
    expected = total_w * 0.5 / total_b  # Half an example's share, so unseen values count.
    statistic += (unseen - expected) ** 2 / expected
    categories += 1
  if categories < 2:
    return None
  return _upper_gamma((categories - 1) / 2, statistic / 2)


def measure(name, baseline, window):
  """Measure `name` (a MEASURES value) between a feature's baseline and window statistics, or
  None where it does not apply (KS and Wasserstein need numbers, chi-squared categories)."""
  counts_b, counts_w = _rank_counts(baseline), _rank_counts(window)
  categorical = bool(counts_b and counts_w)
  if name == CHI2:
    return _chi2_p_value(counts_b, counts_w) if categorical else None
  if name == PSI and categorical:
    values = sorted(set(counts_b) | set(counts_w))
    p = np.array([counts_b.get(v, 0.0) for v in values])
    q = np.array([counts_w.get(v, 0.0) for v in values])
    return _psi(p / p.sum(), q / q.sum())
  numeric = _numeric(baseline, window, reference_bins=name == PSI)
  if numeric is None:
    return None
  edges, p, q = numeric
  if name == PSI:
    return _psi(p, q)
  gap = np.abs(np.cumsum(p) - np.cumsum(q))
  if name == KS:
    return float(gap.max())
  # Wasserstein-1 (the area between the CDFs) in units of the baseline's deviation.
  distance = float(np.sum(gap * np.diff(edges)))
  deviation = baseline.num_stats.std_dev
  return distance / deviation if deviation > 0 else distance


def parse_measures(text):
  """{measure: threshold} from "psi:0.2,ks:0.1" (the names of MEASURES)."""
  out = {}
  for part in filter(None, (p.strip() for p in (text or "").split(","))):
    name, _, threshold = part.partition(":")
    if name not in MEASURES or not threshold:
      raise ValueError("measure %r: give name:threshold with a name of %s" % (
          part, ", ".join(sorted(MEASURES))))
    out[MEASURES[name]] = float(threshold)
  return out
