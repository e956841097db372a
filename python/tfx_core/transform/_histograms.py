"""tensorflow_transform's histogram analyzer and estimated_probability_density mapper.

Both are built on tfx_core's existing analyzers, with TensorFlow ops on whole tensors:
  * bucketed histograms: each batch's values are assigned to buckets (TFT's shifted boundaries,
    tf.searchsorted) and counted per bucket; tft.sum with reduce_instance_dims=False adds the
    per-batch counts up. Default boundaries are 11 over [0, 1]; an int number of boundaries
    spans [min(x), max(x)] (tft.min / tft.max, one analysis pass before the counts).
  * categorical histograms: tft.count_per_key over x's values.
"""

import numpy as np
import tensorflow as tf

from tfx_core.transform import _analyzers

# TFT shifts the boundaries down by this much, so that a value equal to a boundary (after float
# rounding) falls in the bucket that boundary opens.
_BOUNDARY_SHIFT = 0.0001

_INTEGERS = (tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.uint32)


def _flat_values(x):
  """x's values as one 1-D tensor (a SparseTensor's values, a RaggedTensor's flat values)."""
  if isinstance(x, tf.SparseTensor):
    x = x.values
  elif isinstance(x, tf.RaggedTensor):
    x = x.flat_values
  else:
    x = tf.convert_to_tensor(x)
  return tf.reshape(x, [-1])


def _is_int(value):
  return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _bucket_ids(values, boundaries):
  """int64 bucket of each value: how many inner boundaries (all but the first and the last of
  the [1, n] `boundaries`) are below it, as TFT's assign_buckets; ids are in [0, n - 2]."""
  inner = tf.reshape(boundaries, [-1])[1:-1]
  return tf.searchsorted(inner, tf.cast(values, tf.float32), side="left", out_type=tf.int64)


def _categorical_histogram(x, name):
  """(counts, elements) of x's distinct values, ordered by value as bytes (TFT's order, for
  integers too: their decimal strings); integer elements come back as int64, as in TFT."""
  if not isinstance(x, (tf.Tensor, tf.SparseTensor, tf.RaggedTensor)):
    x = tf.convert_to_tensor(x)
  dtype = x.dtype
  if dtype != tf.string and dtype not in _INTEGERS:
    raise TypeError("histogram: with categorical=True, x must hold strings or integers; got %s"
                    % dtype.name)
  elements, counts = _analyzers.count_per_key(x, name=name)
  if dtype != tf.string:
    elements = tf.cast(elements, tf.int64)
  return counts, elements


def histogram(x, boundaries=None, categorical=False, name=None):
  """Counts of x's values per bin, and the bins (tensorflow_transform's `histogram`).

  x: a Tensor, SparseTensor or RaggedTensor (all its values are counted).
  boundaries: ignored if categorical. None: 11 boundaries over [0, 1] (10 bins); an int n: n
    boundaries evenly spaced over [min(x), max(x)] (an extra analysis pass); else the sorted
    boundaries. A value below the second boundary counts in the first bin, one above the
    second to last in the last bin.
  categorical: count each distinct value of a string or integer x instead.

  Returns (counts, boundaries): int64 [n - 1] counts and float32 [1, n] boundaries (shifted
  down by 0.0001, as TFT returns them); categorical: int64 counts and the distinct values
  (strings, or int64), ordered as bytes.
  """
  with tf.compat.v1.name_scope(name, "histogram"):
    label = name or "histogram"
    if categorical:
      return _categorical_histogram(x, label)

    num_boundaries = None  # Known in Python: counts are one tft.sum over fixed-size vectors.
    if boundaries is None:
      boundaries = tf.range(11, dtype=tf.float32) / 10.0
      num_boundaries = 11
    elif _is_int(boundaries) or (isinstance(boundaries, (tf.Tensor, tf.Variable)) and
                                 boundaries.shape.rank == 0):
      if _is_int(boundaries):
        if boundaries < 2:
          raise ValueError("histogram: an int boundaries is the number of bin boundaries and "
                           "must be >= 2; got %d" % boundaries)
        num_boundaries = int(boundaries)
      moments = _analyzers.moments(x, label)
      boundaries = tf.linspace(tf.cast(moments["min"], tf.float32),
                               tf.cast(moments["max"], tf.float32),
                               tf.cast(boundaries, tf.int64))
    elif not isinstance(boundaries, (tf.Tensor, tf.Variable)):
      array = np.asarray(boundaries)
      if array.size < 2 or not np.issubdtype(array.dtype, np.number):
        raise ValueError("histogram: boundaries must be None, an int, or at least 2 sorted "
                         "numbers; got %r" % (boundaries,))
      num_boundaries = int(array.size)
    boundaries = tf.reshape(tf.cast(boundaries, tf.float32), [1, -1]) - _BOUNDARY_SHIFT
    if num_boundaries is not None:
      boundaries.set_shape([1, num_boundaries])

    values = _flat_values(x)
    ids = _bucket_ids(values, boundaries)
    if num_boundaries is not None:
      # This batch's counts per bin as one [1, bins] row; their sum over batches is the result.
      bins = num_boundaries - 1
      batch_counts = tf.math.unsorted_segment_sum(tf.ones_like(ids), ids, bins)
      counts = _analyzers.sum(tf.reshape(batch_counts, [1, bins]), reduce_instance_dims=False,
                              name=label)
      return counts, boundaries
    # The number of bins is only known when the graph runs (boundaries from a tensor): count
    # the bucket ids as keys, then lay the counts out by id, empty bins 0.
    id_keys, id_counts = _analyzers.count_per_key(ids, name=label)
    bins = tf.size(boundaries) - 1
    counts = tf.math.unsorted_segment_sum(id_counts, tf.cast(id_keys, tf.int32), bins)
    return counts, boundaries


def _lookup(query, keys):
  """int64 position of each query value in the distinct `keys`, -1 where absent: tf.unique
  over keys then query numbers the keys 0..len(keys) - 1 first (exact equality)."""
  _, ids = tf.unique(tf.concat([keys, query], 0), out_idx=tf.int64)
  size = tf.size(keys, out_type=tf.int64)
  ids = ids[size:]
  return tf.where(ids < size, ids, -tf.ones_like(ids))


def estimated_probability_density(x, boundaries=None, categorical=False, name=None):
  """float32, shaped like x: the estimated probability density at each value of x from its
  histogram (tensorflow_transform's `estimated_probability_density`): the share of the
  analyzed values in x's bin over the mean bin width; categorical: the share of x's value
  itself (0 for a value not seen in analysis).

  x: a dense Tensor with at most one value per row (last dimension 1, or rank <= 1).
  boundaries, categorical: as in `histogram`; bins are taken as equally wide.
  """
  with tf.compat.v1.name_scope(name, "estimated_probability_density"):
    if isinstance(x, (tf.SparseTensor, tf.RaggedTensor)):
      raise NotImplementedError(
          "estimated probability density does not support Composite Tensors")
    x = tf.convert_to_tensor(x)
    if x.shape.rank is not None and x.shape.rank > 1 and x.shape[-1] is not None and \
        x.shape[-1] > 1:
      raise NotImplementedError(
          "estimated probability density does not support multiple dimensions")

    counts, bins = histogram(x, boundaries=boundaries, categorical=categorical,
                             name=name or "estimated_probability_density")
    counts = tf.cast(counts, tf.float32)
    probabilities = counts / tf.reduce_sum(counts)
    values = tf.reshape(x, [-1])
    if categorical:
      ids = _lookup(tf.cast(values, bins.dtype) if bins.dtype != values.dtype else values, bins)
      densities = probabilities
    else:
      # Density per unit of x: so that it does not depend on the number of bins.
      bin_width = (bins[0, -1] - bins[0, 0]) / tf.cast(tf.size(probabilities), tf.float32)
      densities = probabilities / bin_width
      ids = _bucket_ids(values, bins)
    # A key not seen in analysis (-1): density 0.
    found = ids >= 0
    result = tf.where(found, tf.gather(densities, tf.where(found, ids, tf.zeros_like(ids))),
                      tf.zeros_like(ids, tf.float32))
    result = tf.reshape(result, tf.shape(x))
    result.set_shape(x.shape)
    return result
