"""TFT's structural mappers as plain TensorFlow graph code: n-grams, per-row deduplication, word
counts, segment indices, sparse reshaping and bucket interpolation.

Each works eagerly and inside a traced preprocessing_fn (tf.compat.v1 graphs with an unknown
batch size), on whole tensors: no per-row loops. None of them records a schema annotation, as
TFT records none for them.
"""

import tensorflow as tf


def segment_indices(segment_ids, name=None):
  """The index of each element within its segment: [0, 0, 1, 2, 2, 2] -> [0, 1, 0, 0, 1, 2].

  segment_ids: a 1-D int32/int64 Tensor, non-decreasing (as TFT, this is not checked).
  """
  ndims = segment_ids.get_shape().ndims
  if ndims is not None and ndims != 1:
    raise ValueError("segment_indices requires a 1-dimensional input. segment_indices has {} "
                     "dimensions.".format(ndims))
  with tf.compat.v1.name_scope(name, "segment_indices"):
    # Sorted ids: the first position of each id is where its segment starts.
    starts = tf.searchsorted(segment_ids, segment_ids, side="left", out_type=segment_ids.dtype)
    return tf.range(tf.size(segment_ids, out_type=segment_ids.dtype)) - starts


def sparse_tensor_to_dense_with_shape(x, shape, default_value=0):
  """x as a dense Tensor of static shape `shape`; a None dimension takes x's dense_shape there.

  default_value fills the positions x does not hold.
  """
  if not isinstance(x, tf.SparseTensor):
    raise ValueError("input must be a SparseTensor")
  dims = [x.dense_shape[i] if size is None else tf.constant(size, tf.int64)
          for i, size in enumerate(shape)]
  dense = tf.sparse.to_dense(tf.SparseTensor(x.indices, x.values, tf.stack(dims)),
                             default_value=default_value)
  dense.set_shape(shape)
  return dense


def sparse_tensor_left_align(sparse_tensor):
  """A 2-D SparseTensor with each row's values moved to columns 0, 1, ... (in column order),
  e.g. to return a left-aligned (VarLenFeature-like) tensor from a preprocessing_fn."""
  if sparse_tensor.get_shape().ndims != 2:
    raise ValueError("sparse_tensor_left_align requires a 2D input")
  ordered = tf.sparse.reorder(sparse_tensor)
  rows = ordered.indices[:, 0]
  return tf.SparseTensor(tf.stack([rows, segment_indices(rows)], axis=1), ordered.values,
                         ordered.dense_shape)


def word_count(tokens, name=None):
  """The number of tokens in each row (the 0-th dimension) of a SparseTensor or RaggedTensor."""
  with tf.compat.v1.name_scope(name, "word_count"):
    if isinstance(tokens, tf.RaggedTensor):
      return tokens.row_lengths()
    if isinstance(tokens, tf.SparseTensor):
      counts = tf.math.unsorted_segment_sum(tf.ones_like(tokens.indices[:, 0]),
                                            tokens.indices[:, 0], tokens.dense_shape[0])
      counts.set_shape([tokens.shape[0]])
      return counts
    raise ValueError("Invalid token tensor: word_count needs `tokens` as a SparseTensor or "
                     "RaggedTensor, got %s" % type(tokens).__name__)


def ngrams(tokens, ngram_range, separator, name=None):
  """SparseTensor of each row's n-grams, n in ngram_range (inclusive), tokens joined by
  `separator`, grouped by start token: a, ab, abc, b, bc, c. Repeats are kept (bag_of_words
  drops them).

  tokens: a 2-D SparseTensor of strings in row-major order (as tf.strings.split makes them).
  """
  if tokens.get_shape().ndims != 2:
    raise ValueError("ngrams requires `tokens` to be 2-dimensional")
  low, high = ngram_range
  if low < 1 or high < low:
    raise ValueError("Invalid ngram_range: %r (expected (min, max) with 1 <= min <= max)" % (
        ngram_range,))
  with tf.compat.v1.name_scope(name, "ngrams"):
    rows, words = tokens.indices[:, 0], tokens.values
    count = tf.shape(words)[0]
    # Token i + k of every start i; past the end: row -1, which no n-gram starts in.
    padded_rows = tf.concat([rows, tf.fill([high - 1], tf.constant(-1, tf.int64))], 0)
    padded_words = tf.concat([words, tf.fill([high - 1], tf.constant("", words.dtype))], 0)
    ahead_rows = [padded_rows[k:k + count] for k in range(high)]
    ahead_words = [padded_words[k:k + count] for k in range(high)]
    # [start, n - low]: the n-gram from start; it exists if its last token is in the same row
    # (rows are sorted, so then all of its tokens are).
    grams = tf.stack([tf.strings.join(ahead_words[:n], separator=separator)
                      for n in range(low, high + 1)], axis=1)
    whole = tf.stack([tf.equal(ahead_rows[n - 1], rows) for n in range(low, high + 1)], axis=1)
    gram_rows = tf.boolean_mask(tf.tile(rows[:, None], [1, high - low + 1]), whole)
    columns = segment_indices(gram_rows)
    width = tf.reduce_max(tf.concat([columns + 1, tf.zeros([1], tf.int64)], 0))
    return tf.SparseTensor(tf.stack([gram_rows, columns], axis=1),
                           tf.boolean_mask(grams, whole),
                           tf.stack([tokens.dense_shape[0], width]))


def deduplicate_tensor_per_row(input_tensor, name=None):
  """SparseTensor of each row's distinct values (first occurrences, in order) at columns
  0, 1, ...; dense_shape [rows, most distinct values in a row]. Rows are the 0-th dimension of
  a 2-D Tensor or SparseTensor; a 1-D input (one value per row) comes back as a SparseTensor
  unchanged."""
  with tf.compat.v1.name_scope(name, "deduplicate_per_row"):
    sparse = isinstance(input_tensor, tf.SparseTensor)
    if sparse:
      rank = input_tensor.dense_shape.shape[0]
      batch = input_tensor.dense_shape[0]
    else:
      input_tensor = tf.convert_to_tensor(input_tensor)
      rank = input_tensor.shape.rank
      batch = tf.shape(input_tensor, out_type=tf.int64)[0]
    if rank is not None and rank > 2:
      raise ValueError("Deduplication assumes a rank 2 tensor, got {}.".format(rank))
    if rank is not None and rank <= 1:
      if sparse:
        return input_tensor
      rows = tf.range(batch)
      return tf.SparseTensor(tf.stack([rows, tf.zeros_like(rows)], axis=1), input_tensor,
                             tf.stack([batch, tf.constant(1, tf.int64)]))
    if sparse:
      rows, values = input_tensor.indices[:, 0], input_tensor.values
    else:
      checks = [tf.debugging.assert_rank_in(input_tensor, [1, 2])] if rank is None else []
      with tf.control_dependencies(checks):  # Unknown rank: 1-D is [rows, 1].
        size = tf.size(input_tensor, out_type=tf.int64)
        matrix = tf.reshape(input_tensor, tf.stack([batch, size // tf.maximum(batch, 1)]))
      rows = tf.where(tf.ones_like(matrix, tf.bool))[:, 0]
      values = tf.reshape(matrix, [-1])
    # One int64 key per (row, value); its first occurrences, then grouped by row (stably).
    distinct, value_ids = tf.unique(values, out_idx=tf.int64)
    keys = rows * tf.size(distinct, out_type=tf.int64) + value_ids
    distinct_keys, key_ids = tf.unique(keys, out_idx=tf.int64)
    first = tf.math.unsorted_segment_min(tf.range(tf.size(keys, out_type=tf.int64)), key_ids,
                                         tf.size(distinct_keys, out_type=tf.int64))
    first = tf.gather(first, tf.argsort(tf.gather(rows, first), stable=True))
    kept_rows = tf.gather(rows, first)
    columns = segment_indices(kept_rows)
    width = tf.reduce_max(tf.concat([columns + 1, tf.zeros([1], tf.int64)], 0))
    return tf.SparseTensor(tf.stack([kept_rows, columns], axis=1), tf.gather(values, first),
                           tf.stack([batch, width]))


def apply_buckets_with_interpolation(x, bucket_boundaries, name=None):
  """x normalized to [0, 1]: its bucket among the sorted bucket_boundaries (rank 2, e.g.
  [[b0, ..., bn]]), plus its linear position within that bucket, over the number of buckets.

  At or below the lowest boundary -> 0, at or above the highest -> 1, NaN -> 0.5; with one
  boundary, 0 below it and 1 from it on. Non-finite boundaries are dropped; none left is an
  InvalidArgumentError (num_boundaries). float64 x gives float64, any other numeric x float32;
  a SparseTensor or RaggedTensor keeps its structure.
  """
  with tf.compat.v1.name_scope(name, "buckets_with_interpolation"):
    boundaries = tf.convert_to_tensor(bucket_boundaries)
    if boundaries.shape.rank is not None and boundaries.shape.rank != 2:
      raise ValueError("apply_buckets_with_interpolation: bucket_boundaries must be rank 2, got "
                       "shape %s" % boundaries.shape)
    values = _values(x)
    if not (values.dtype.is_floating or values.dtype.is_integer):
      raise ValueError("Input tensor to be normalized must be numeric, got {}.".format(
          values.dtype))
    boundaries = tf.reshape(boundaries, [-1])
    if boundaries.dtype.is_floating:
      boundaries = tf.boolean_mask(boundaries, tf.math.is_finite(boundaries))
    out = tf.float64 if values.dtype == tf.float64 else tf.float32
    num_boundaries = tf.size(boundaries, out_type=tf.int64, name="num_boundaries")
    check = tf.debugging.assert_greater(
        num_boundaries, tf.constant(0, tf.int64),
        message="apply_buckets_with_interpolation: bucket_boundaries needs a finite value "
                "(num_boundaries > 0)", name="assert_1_or_more_finite_boundaries")
    with tf.control_dependencies([check]):
      # Bucket i: boundaries[i - 1] <= x < boundaries[i]; 0 below all, num_boundaries above.
      # Compared in the wider of the two dtypes (by largest value), as TFT.
      if values.dtype.max > boundaries.dtype.max:
        buckets = tf.searchsorted(tf.cast(boundaries, values.dtype), tf.reshape(values, [-1]),
                                  side="right", out_type=tf.int64)
      else:
        buckets = tf.searchsorted(boundaries, tf.cast(tf.reshape(values, [-1]), boundaries.dtype),
                                  side="right", out_type=tf.int64)
      buckets = tf.reshape(buckets, tf.shape(values))
      edges = tf.cast(boundaries, out)
      upper = tf.gather(tf.concat([edges, edges[-1:]], 0), buckets)
      lower = tf.gather(tf.concat([edges[:1], edges], 0), buckets)
    width = upper - lower
    outside = tf.logical_or(tf.equal(buckets, 0), tf.equal(buckets, num_boundaries))
    within = tf.where(outside, tf.zeros_like(width),
                      tf.where(tf.equal(width, 0), tf.fill(tf.shape(width), tf.constant(.5, out)),
                               (tf.cast(values, out) - lower) / width))
    within = tf.debugging.check_numerics(within, "bucket_interpolation")
    result = (tf.cast(tf.maximum(buckets - 1, 0), out) + within) / tf.cast(
        tf.maximum(num_boundaries - 1, 1), out)
    if values.dtype.is_floating:
      result = tf.where(tf.math.is_nan(values), tf.fill(tf.shape(result), tf.constant(.5, out)),
                        result)
    single = tf.cast(tf.not_equal(buckets, 0), out)  # One boundary: 0 below it, 1 from it on.
    result = tf.where(tf.equal(num_boundaries, 1), single, result)
    return _with_values(x, result)


def _values(x):
  if isinstance(x, tf.SparseTensor):
    return x.values
  if isinstance(x, tf.RaggedTensor):
    return x.flat_values
  return tf.convert_to_tensor(x)


def _with_values(x, values):
  if isinstance(x, tf.SparseTensor):
    return tf.SparseTensor(x.indices, values, x.dense_shape)
  if isinstance(x, tf.RaggedTensor):
    return x.with_flat_values(values)
  return values
