"""Stable hash splits: each example goes to a split by a C++ hash of its values (or of one
partition feature), so the same example lands in the same split in every run."""

import numpy as np
import pyarrow as pa

from tfx_core._native import ext


def bucket_splits(buckets):
  """Validates {split name: hash buckets} (e.g. {"train": 2, "eval": 1})."""
  if not buckets:
    raise ValueError("output splits must name at least one split with its hash buckets")
  for name, count in buckets.items():
    if not isinstance(name, str) or not name or "/" in name:
      raise ValueError("split name %r must be a non-empty string without '/'" % (name,))
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
      raise ValueError("split %r: hash buckets must be a positive integer, got %r" % (name, count))
  return dict(buckets)


def split_table(table, buckets, partition_feature=None):
  """{split: table} with rows assigned by hash % sum(buckets), buckets in the given order."""
  buckets = bucket_splits(buckets)
  if partition_feature is not None:
    if partition_feature not in table.column_names:
      raise ValueError("partition feature %r is not a column (columns: %s)" % (
          partition_feature, ", ".join(table.column_names)))
    columns = [table[partition_feature]]
  else:
    columns = table.columns
  hashes = ext.data.hash_rows([c.combine_chunks() for c in columns], table.num_rows)
  bucket = hashes % np.uint64(sum(buckets.values()))
  which = np.searchsorted(np.cumsum(list(buckets.values())), bucket, side="right")
  return {name: table.filter(pa.array(which == i)) for i, name in enumerate(buckets)}
