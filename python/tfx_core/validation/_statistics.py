"""Dataset statistics: tfx_core's C++ accumulators over Arrow record batches, written as
tensorflow_metadata's DatasetFeatureStatisticsList (field names and numbers kept).

Every batch goes to C++ in one call per slice (columns are read in place through the Arrow C
data interface; features run in parallel). The accumulators merge and pickle, so the same code
runs in-process (`generate_statistics`) and in Beam (`GenerateStatistics`).

Sketch bounds, also written into each feature's custom_stats: quantiles, median and histograms
have a normalized rank error <= 2.2% (99% confidence); `unique` is exact up to 4096 values, then
HyperLogLog with 0.81% standard error; top-value counts are lower bounds short by at most
`top_values_max_error` (exact while a feature has <= 16,000 distinct values).

Like TFDV: values that are not valid UTF-8 are counted in `invalid_utf8_count` and listed among
the top values as `__BYTES_VALUE__`; features the schema gives an `image_domain` get
BytesStatistics (avg/min/max bytes) instead of string statistics; the standard histogram spans
the finite values, with infinities in buckets [-inf, -inf] and [inf, inf] of their own. Unlike
TFDV, mean is +inf (-inf; NaN with both) and std_dev NaN when there are infinities, which is
what they are; TFDV's mean turns NaN once infinities are in two batches and its std_dev is 0.
"""

import dataclasses
from typing import Optional, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_core._native import ext
from tfx_core.proto import schema_pb2, statistics_pb2

ALL_EXAMPLES = "All Examples"
QUANTILES_RANK_ERROR = 0.022


@dataclasses.dataclass(frozen=True)
class StatsOptions:
  """What to compute. Names and defaults follow tfdv.StatsOptions."""
  weight_feature: Optional[str] = None
  slice_features: Sequence[str] = ()  # One slice per value of each of these features.
  num_top_values: int = 20
  num_rank_histogram_buckets: int = 1000
  num_histogram_buckets: int = 10
  num_quantiles_histogram_buckets: int = 10
  num_values_histogram_buckets: int = 10
  schema: Optional[schema_pb2.Schema] = None  # Its image_domain features get bytes stats.

  def bytes_features(self):
    if self.schema is None:
      return frozenset()
    return frozenset(f.name for f in self.schema.feature if f.HasField("image_domain"))


def _weights(batch, feature):
  """One float per row from the weight feature; missing or multi-valued weights are errors."""
  if feature not in batch.schema.names:
    raise ValueError("weight feature %r is not a column of the data (columns: %s)" % (
        feature, ", ".join(batch.schema.names)))
  column = batch.column(feature)
  if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
    lengths = pc.list_value_length(column).fill_null(0)
    bad = pc.not_equal(lengths, 1)
    if pc.any(bad).as_py():
      row = pc.index(bad, True).as_py()
      raise ValueError("weight feature %r must have exactly one value per example; row %d has "
                       "%d" % (feature, row, lengths[row].as_py()))
    column = pc.list_flatten(column)
  if column.null_count:
    row = pc.index(pc.is_null(column), True).as_py()
    raise ValueError("weight feature %r is missing in row %d" % (feature, row))
  if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
    raise ValueError("weight feature %r must be numeric, got %s" % (feature, column.type))
  return column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _slices(batch, options):
  """(slice key, rows) pairs: every example, then one slice per value of each slice feature."""
  yield ALL_EXAMPLES, batch
  for feature in options.slice_features:
    if feature not in batch.schema.names:
      continue  # Absent from this batch: its rows belong to no slice of the feature.
    column = batch.column(feature)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
      raise ValueError("slice feature %r must have one value per example, got %s" % (
          feature, column.type))
    for value in pc.unique(column.drop_null()).to_pylist():
      yield "%s_%s" % (feature, value), batch.filter(pc.equal(column, value))


def add_batch(accumulators, batch, options):
  """Adds a RecordBatch (or Table) to `accumulators`, a dict slice key -> C++ Accumulator."""
  if isinstance(batch, pa.Table):
    for b in batch.to_batches():
      add_batch(accumulators, b, options)
    return accumulators
  for key, rows in _slices(batch, options):
    acc = accumulators.get(key)
    if acc is None:
      acc = accumulators[key] = ext.statistics.Accumulator()
    weights = _weights(rows, options.weight_feature) if options.weight_feature else None
    acc.add(rows.schema.names, rows.columns, rows.num_rows, weights)
  return accumulators


def merge(accumulators, others):
  for key, acc in others.items():
    if key in accumulators:
      accumulators[key].merge(acc)
    else:
      accumulators[key] = acc
  return accumulators


def _histogram(proto, buckets, histogram_type, num_nan=0):
  proto.type = histogram_type
  proto.num_nan = num_nan
  for low, high, count in buckets:
    proto.buckets.add(low_value=low, high_value=high, sample_count=count)


def _common(common, r, weighted):
  common.num_non_missing = r["num_non_missing"]
  common.num_missing = r["num_missing"]
  common.min_num_values = r["min_num_values"]
  common.max_num_values = r["max_num_values"]
  common.tot_num_values = r["tot_num_values"]
  if r["num_non_missing"]:
    common.avg_num_values = r["tot_num_values"] / r["num_non_missing"]
  _histogram(common.num_values_histogram, r["num_values_histogram"],
             statistics_pb2.Histogram.QUANTILES)
  if weighted:
    w = common.weighted_common_stats
    w.num_non_missing = r["weighted_num_non_missing"]
    w.num_missing = r["weighted_num_missing"]
    w.tot_num_values = r["weighted_tot_num_values"]
    if r["weighted_num_non_missing"]:
      w.avg_num_values = r["weighted_tot_num_values"] / r["weighted_num_non_missing"]


def _feature(proto, name, r, weighted, options):
  proto.path.step.append(name)
  if r["type"] < 0:  # No values at all (an all-null column): presence only.
    proto.type = statistics_pb2.FeatureNameStatistics.STRING
    _common(proto.string_stats.common_stats, r, weighted)
    return
  proto.type = r["type"]
  if r["type"] == statistics_pb2.FeatureNameStatistics.STRING and name in options.bytes_features():
    proto.type = statistics_pb2.FeatureNameStatistics.BYTES
    b = proto.bytes_stats
    _common(b.common_stats, r, weighted)
    b.unique = r["unique"]
    if r["tot_num_values"]:
      b.avg_num_bytes = r["avg_length"]
      b.min_num_bytes, b.max_num_bytes = r["min_length"], r["max_length"]
      b.max_num_bytes_int = r["max_length"]
    return
  if r["type"] == statistics_pb2.FeatureNameStatistics.STRING:
    s = proto.string_stats
    _common(s.common_stats, r, weighted)
    s.unique = r["unique"]
    s.avg_length = r["avg_length"]
    s.invalid_utf8_count = r["invalid_utf8_count"]
    for value, count in r["top_values"][:options.num_top_values]:
      s.top_values.add(value=value, frequency=count)
    for rank, (value, count) in enumerate(r["top_values"][:options.num_rank_histogram_buckets]):
      s.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=value, sample_count=count)
    if weighted:
      for value, count in r["weighted_top_values"][:options.num_top_values]:
        s.weighted_string_stats.top_values.add(value=value, frequency=count)
      for rank, (value, count) in enumerate(
          r["weighted_top_values"][:options.num_rank_histogram_buckets]):
        s.weighted_string_stats.rank_histogram.buckets.add(
            low_rank=rank, high_rank=rank, label=value, sample_count=count)
    proto.custom_stats.add(name="unique_relative_error", num=r["unique_relative_error"])
    proto.custom_stats.add(name="top_values_max_error", num=r["top_values_max_error"])
    return
  n = proto.num_stats
  _common(n.common_stats, r, weighted)
  n.mean, n.std_dev, n.median = r["mean"], r["std_dev"], r["median"]
  n.min, n.max, n.num_zeros = r["min"], r["max"], r["num_zeros"]
  _histogram(n.histograms.add(), r["standard_histogram"], statistics_pb2.Histogram.STANDARD,
             r["num_nan"])
  _histogram(n.histograms.add(), r["quantiles_histogram"], statistics_pb2.Histogram.QUANTILES,
             r["num_nan"])
  if weighted:
    n.weighted_numeric_stats.mean = r["weighted_mean"]
    n.weighted_numeric_stats.std_dev = r["weighted_std_dev"]
  proto.custom_stats.add(name="quantiles_rank_error", num=QUANTILES_RANK_ERROR)
  if r["num_pos_inf"] or r["num_neg_inf"]:
    proto.custom_stats.add(name="num_pos_inf", num=r["num_pos_inf"])
    proto.custom_stats.add(name="num_neg_inf", num=r["num_neg_inf"])


def to_proto(accumulators, options=StatsOptions()):
  """DatasetFeatureStatisticsList: ALL_EXAMPLES first, then the slices by name."""
  out = statistics_pb2.DatasetFeatureStatisticsList()
  keys = sorted(accumulators, key=lambda k: (k != ALL_EXAMPLES, k))
  for key in keys:
    acc = accumulators[key]
    dataset = out.datasets.add(name=key, num_examples=acc.num_examples)
    if acc.weighted:
      dataset.weighted_num_examples = acc.weighted_num_examples
    results = acc.result(
        num_top_values=options.num_top_values,
        num_rank_histogram_buckets=options.num_rank_histogram_buckets,
        num_histogram_buckets=options.num_histogram_buckets,
        num_quantiles_histogram_buckets=options.num_quantiles_histogram_buckets,
        num_values_histogram_buckets=options.num_values_histogram_buckets)
    for name in sorted(results):
      _feature(dataset.features.add(), name, results[name], acc.weighted, options)
  return out


def generate_statistics(batches, options=StatsOptions()):
  """Statistics of an iterable of RecordBatches or Tables (or one Table), in this process."""
  if isinstance(batches, (pa.Table, pa.RecordBatch)):
    batches = [batches]
  accumulators = {}
  for batch in batches:
    add_batch(accumulators, batch, options)
  if not accumulators:
    accumulators[ALL_EXAMPLES] = ext.statistics.Accumulator()
  return to_proto(accumulators, options)


def load_statistics(path):
  """Reads a binary DatasetFeatureStatisticsList (StatisticsGen's FeatureStats.pb)."""
  with open(path, "rb") as f:
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    stats.ParseFromString(f.read())
  return stats


def write_statistics(stats, path):
  with open(path, "wb") as f:
    f.write(stats.SerializeToString(deterministic=True))


def get_feature(stats, name, dataset=0):
  """The FeatureNameStatistics of feature `name` (a path's steps joined with '.')."""
  for feature in stats.datasets[dataset].features:
    if ".".join(feature.path.step) == name or feature.name == name:
      return feature
  raise KeyError("no statistics for feature %r" % name)
