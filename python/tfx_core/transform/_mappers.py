"""Mappers: tensorflow_transform's names and arguments over tfx_core's TF ops.

scale_to_z_score, scale_to_0_1, apply_buckets and apply_vocabulary run the C++ kernels of
tfx_core/transform (the TfxCore* ops), the same ones the batch path and serving run. The text
mappers (ngrams, bag_of_words, hash_strings) and the per-key arithmetic use TensorFlow's own
kernels; since the batch path runs the saved graph too, every path computes the same bits.
"""

import numpy as np
import tensorflow as tf

from tfx_core import ops
from tfx_core.ops._transform_ops import map_values as _map_values
from tfx_core.transform import _analyzers, _tracing
from tfx_core.transform._tf_mappers import deduplicate_tensor_per_row, ngrams


def scale_to_z_score(x, elementwise=False, name=None, output_dtype=None):
  """(x - mean(x)) / stddev(x); where the stddev is 0, x - mean(x) (as in TFT)."""
  moments = _analyzers.moments(x, name or "scale_to_z_score", reduce_instance_dims=not elementwise)
  if elementwise:  # Per-position parameters.
    mean, stddev = moments["mean"], _stddev(moments["var"])
    if isinstance(x, tf.SparseTensor):
      values = tf.cast(x.values, mean.dtype)
      result = (values - _at_positions(mean, x)) / _at_positions(stddev, x)
      return _cast(tf.SparseTensor(x.indices, result, x.dense_shape), output_dtype)
    return _cast((tf.cast(x, mean.dtype) - mean) / stddev, output_dtype)
  result = ops.scale_to_z_score(x, moments["mean"], _stddev(moments["var"]))
  if moments.value is not None and moments.source is not None:  # One mean, one stddev.
    dtype = moments["mean"].dtype.as_numpy_dtype
    mean, variance = dtype(moments.value["mean"]), dtype(moments.value["var"])
    stddev = np.sqrt(variance) if variance > 0 else dtype(1)
    if np.isfinite(mean) and np.isfinite(stddev):  # Else the kernel refuses: the graph decides.
      _tracing.current("scale_to_z_score").record_direct(
          result, moments.source, "scale_to_z_score", mean=float(mean), stddev=float(stddev))
  return _cast(result, output_dtype)


def _at_positions(parameter, sparse):
  """A per-position parameter (shaped like one row) for each value of a SparseTensor."""
  return tf.gather_nd(parameter, sparse.indices[:, 1:])


def _stddev(variance):
  """sqrt(variance), or 1 where it is 0: no spread, so x - mean is left unscaled (as in TFT)."""
  return tf.where(variance > 0, tf.sqrt(variance), tf.ones_like(variance))


def _cast(x, dtype):
  return _map_values(lambda v: tf.cast(v, dtype), x) if dtype else x


def scale_to_0_1(x, elementwise=False, name=None):
  """(x - min(x)) / (max(x) - min(x)); sigmoid(x) if min == max (as in TFT)."""
  return scale_by_min_max(x, 0.0, 1.0, elementwise=elementwise, name=name or "scale_to_0_1")


def scale_by_min_max(x, output_min=0.0, output_max=1.0, elementwise=False, name=None):
  """x scaled linearly from [min(x), max(x)] to [output_min, output_max]; where the analyzed
  values were empty or all equal, sigmoid(x) scaled the same way (as in TFT)."""
  if not output_min < output_max:
    raise ValueError("output_min must be less than output_max (scale_by_min_max got %r and %r)"
                     % (output_min, output_max))
  moments = _analyzers.moments(x, name or "scale_by_min_max", reduce_instance_dims=not elementwise)

  def fn(values):
    dtype = tf.float64 if values.dtype == tf.float64 else tf.float32
    lo, hi = tf.cast(moments["min"], dtype), tf.cast(moments["max"], dtype)
    spread = lo < hi
    if elementwise and isinstance(x, tf.SparseTensor):  # Parameters per value's position.
      lo, hi = _at_positions(lo, x), _at_positions(hi, x)
      spread = lo < hi
    if elementwise:
      v = tf.cast(values, dtype)
      scaled = tf.where(spread, (v - lo) / tf.where(spread, hi - lo, tf.ones_like(lo)),
                        tf.math.sigmoid(v))
    else:
      scaled = ops.scale_to_0_1(values, tf.where(spread, lo, tf.zeros_like(lo)),
                                tf.where(spread, hi, tf.ones_like(hi)))
      scaled = tf.where(spread, scaled, tf.math.sigmoid(tf.cast(values, dtype)))
    if (output_min, output_max) == (0.0, 1.0):
      return scaled
    return scaled * tf.constant(output_max - output_min, dtype) + tf.constant(output_min, dtype)
  result = _map_values(fn, x)
  value = moments.value
  if value is not None and moments.source is not None and (output_min, output_max) == (0, 1) \
      and not elementwise:
    dtype = np.float64 if moments["min"].dtype == tf.float64 else np.float32
    lo, hi = dtype(value["min"]), dtype(value["max"])  # As the graph rounds them.
    if np.isfinite(lo) and np.isfinite(hi) and lo < hi:
      _tracing.current("scale_by_min_max").record_direct(
          result, moments.source, "scale_to_0_1", min=float(lo), max=float(hi))
  return result


def apply_buckets(x, bucket_boundaries, name=None):
  """int64 bucket ids: the number of boundaries <= x; NaN -> the last bucket, as in TFT. Ids
  are in [0, len(boundaries)], the output's int_domain."""
  boundaries = tf.reshape(tf.cast(bucket_boundaries, tf.float64), [-1])
  result = ops.bucketize(x, boundaries, name=name)
  trace = _tracing.active()
  if trace is not None:
    trace.record_domain(result, 0, boundaries.shape[0] if boundaries.shape[0] is not None else
                        tf.size(boundaries, out_type=tf.int64))
  return result


def bucketize(x, num_buckets, epsilon=None, weights=None, elementwise=False,
              always_return_num_quantiles=True, name=None):
  """Quantile buckets of x: int64 ids in [0, num_buckets); elementwise=True: each position of
  a dense x's rows by its own boundaries, as TFT."""
  del always_return_num_quantiles
  if not isinstance(num_buckets, int):
    raise TypeError("num_buckets must be an int, got %s" % type(num_buckets))
  if num_buckets < 1:
    raise ValueError("Invalid num_buckets %d" % num_buckets)
  if elementwise and isinstance(x, (tf.SparseTensor, tf.RaggedTensor)):
    raise ValueError("bucketize requires `x` to be dense if `elementwise=True`")
  analyzer = _analyzers.quantiles_outputs(x, num_buckets, weights=weights,
                                          reduce_instance_dims=not elementwise,
                                          name=name or "bucketize", epsilon=epsilon)
  if elementwise:
    width = int(np.prod(x.shape[1:]))
    boundaries = tf.reshape(analyzer["boundaries"], [width, -1])
    rows = tf.reshape(x, [-1, width])
    result = tf.reshape(
        tf.stack([apply_buckets(rows[:, i], boundaries[i]) for i in range(width)], axis=1),
        [-1] + x.shape[1:].as_list())
    if analyzer.value is not None:
      _tracing.current("bucketize").record_domain(result, 0, num_buckets - 1)
    return result
  result = apply_buckets(x, analyzer["boundaries"])
  _tracing.current("bucketize").record_domain(
      result, 0, len(analyzer.value["boundaries"]) if analyzer.value is not None else
      tf.size(analyzer["boundaries"], out_type=tf.int64))
  if analyzer.value is not None and analyzer.source is not None:
    _tracing.current("bucketize").record_direct(
        result, analyzer.source, "bucketize",
        boundaries=[float(np.float32(b)) for b in analyzer.value["boundaries"]])
  return result


def bucketize_per_key(x, key, num_buckets, epsilon=None, weights=None, name=None):
  """int64 bucket ids of x in [0, num_buckets) by the quantiles of x's values with the same
  key (a string per row, or per value), -1 for keys unseen in analysis; TFT's arithmetic
  (its joined, scaled per-key boundaries in float32), so ids equal TFT's."""
  if not isinstance(num_buckets, int):
    raise TypeError("num_buckets must be an int, got {}".format(type(num_buckets)))
  if num_buckets < 1:
    raise ValueError("Invalid num_buckets {}".format(num_buckets))
  with tf.compat.v1.name_scope(name, "bucketize_per_key"):
    values, keys = _analyzers.paired_values(x, key, name or "bucketize_per_key")
    value_weights = None
    if weights is not None:
      _, value_weights = _analyzers.paired_values(x, weights, name or "bucketize_per_key")
    q = _analyzers.per_key_quantiles(values, keys, value_weights, num_buckets, epsilon,
                                     name or "bucketize_per_key")
    ids = ops.apply_vocabulary(keys, q["file"], default_value=-1)
    known = tf.maximum(ids, 0)
    scaled = (tf.cast(values, tf.float32) * tf.gather(q["scale"], known)
              + tf.gather(q["shift"], known))
    offsets = tf.searchsorted(tf.reshape(q["boundaries"], [1, -1]),
                              tf.reshape(scaled, [1, -1]), side="right", out_type=tf.int64)[0]
    max_bucket = num_buckets - 1
    # Neighbouring keys share one joined boundary: each earlier key shifts ids by
    # max_bucket - 1.
    buckets = tf.clip_by_value(offsets - (max_bucket - 1) * known, 0, max_bucket)
    result = _like(x, tf.where(ids < 0, ids, buckets))
  _tracing.current("bucketize_per_key").record_domain(result, 0, max_bucket)
  return result


def apply_vocabulary(x, deferred_vocab_filename_tensor, default_value=-1, num_oov_buckets=0,
                     lookup_fn=None, file_format="text", store_frequency=False, name=None):
  """int64 ids of x in a vocabulary file; OOV values go to num_oov_buckets hash buckets after
  the vocabulary (TensorFlow's Fingerprint64, as TFT), or to default_value if none.
  store_frequency: the file has "<frequency> <token>" lines. lookup_fn(x, file) -> (ids,
  table size): your own lookup instead, as in TFT."""
  if file_format != "text":
    raise NotImplementedError("apply_vocabulary: file_format=%r is not supported by tfx_core "
                              "yet (only 'text')" % (file_format,))
  if lookup_fn is not None:
    ids, _ = lookup_fn(x, deferred_vocab_filename_tensor)
    return ids
  def fn(values):
    if values.dtype != tf.string:
      values = tf.strings.as_string(values)
    return ops.apply_vocabulary(values, deferred_vocab_filename_tensor,
                                num_oov_buckets=num_oov_buckets, default_value=default_value,
                                store_frequency=store_frequency, name=name)
  result = _map_values(fn, x)
  trace = _tracing.active()
  size = trace.vocabulary_size(deferred_vocab_filename_tensor) if trace is not None else None
  if size is not None:  # TFT's int_domain: ints once known, tensors while pending.
    if num_oov_buckets:
      low, high = 0, size + num_oov_buckets - 1
    elif isinstance(size, int):
      low, high = min(0, default_value), max(size - 1, default_value)
    else:
      low, high = min(0, default_value), tf.maximum(size - 1, default_value)
    trace.record_domain(result, low, high)
  return result


def compute_and_apply_vocabulary(x, default_value=-1, top_k=None, frequency_threshold=None,
                                 num_oov_buckets=0, vocab_filename=None, weights=None,
                                 labels=None, use_adjusted_mutual_info=False,
                                 min_diff_from_avg=0.0, coverage_top_k=None,
                                 coverage_frequency_threshold=None, key_fn=None,
                                 fingerprint_shuffle=False, file_format="text",
                                 store_frequency=False, reserved_tokens=None, name=None):
  """vocabulary(x, ...) then apply_vocabulary: int64 ids, most frequent value = 0."""
  _analyzers.check_file_format(file_format)
  x = _analyzers.spaces_for_frequency_file(x, store_frequency)
  with tf.compat.v1.name_scope(name, "compute_and_apply_vocabulary"):
    with tf.compat.v1.name_scope(None, "vocabulary"):
      filename = _analyzers.vocabulary_file_name(vocab_filename, store_frequency)
    analyzer = _analyzers.vocabulary_outputs(
        x, name or "compute_and_apply_vocabulary", top_k=top_k,
        frequency_threshold=frequency_threshold, vocab_filename=filename,
        store_frequency=store_frequency, weights=weights, reserved_tokens=reserved_tokens,
        fingerprint_shuffle=fingerprint_shuffle, labels=labels,
        use_adjusted_mutual_info=use_adjusted_mutual_info, min_diff_from_avg=min_diff_from_avg,
        coverage_top_k=coverage_top_k, coverage_frequency_threshold=coverage_frequency_threshold,
        key_fn=key_fn)
    result = apply_vocabulary(x, analyzer["file"], default_value=default_value,
                              num_oov_buckets=num_oov_buckets, store_frequency=store_frequency)
  if analyzer.value is not None and analyzer.source is not None:
    _tracing.current("compute_and_apply_vocabulary").record_direct(
        result, analyzer.source, "apply_vocabulary", file=analyzer.value["file"],
        num_oov_buckets=num_oov_buckets, default_value=default_value,
        store_frequency=bool(store_frequency))
  return result


def hash_strings(strings, hash_buckets, key=None, name=None):
  """int64 hash buckets of strings (TensorFlow's fast hash, or its keyed strong hash)."""
  def fn(values):
    if key is None:
      return tf.strings.to_hash_bucket_fast(values, hash_buckets, name=name)
    return tf.strings.to_hash_bucket_strong(values, hash_buckets, key, name=name)
  result = _map_values(fn, strings)
  trace = _tracing.active()
  if trace is not None:  # Outside preprocessing_fn it is a plain TensorFlow mapper.
    trace.record_domain(result, 0, hash_buckets - 1)
  return result


def get_num_buckets_for_transformed_feature(transformed_feature):
  """The number of ids (int64 scalar) an output of bucketize, apply_buckets,
  compute_and_apply_vocabulary, apply_vocabulary or hash_strings takes: its int_domain's max +
  1, as TFT gives it."""
  trace = _tracing.current("get_num_buckets_for_transformed_feature")
  bounds = trace.domain(transformed_feature)
  if bounds is None:
    raise ValueError("get_num_buckets_for_transformed_feature: %r has no number of buckets: it "
                     "is not the direct output of bucketize, apply_buckets, "
                     "compute_and_apply_vocabulary, apply_vocabulary or hash_strings"
                     % (transformed_feature,))
  return tf.cast(bounds[1], tf.int64) + 1


def bag_of_words(tokens, ngram_range, separator, name=None):
  """ngrams with repeats within a row removed (first occurrence kept), as TFT defines it."""
  with tf.compat.v1.name_scope(name, "bag_of_words"):
    return deduplicate_tensor_per_row(ngrams(tokens, ngram_range, separator))


def tfidf(x, vocab_size, smooth=True, name=None):
  """TF-IDF of term ids (a SparseTensor of int64 ids, taken mod vocab_size as TFT does, so
  negative and OOV ids wrap; one row per document): (SparseTensor of each row's distinct ids in
  ascending order, SparseTensor of their float32 weights), with tf = count / row length and
  idf = log((N + 1) / (df + 1)) + 1 if smooth, else log(N / df) + 1."""
  if not isinstance(x, tf.SparseTensor):
    raise TypeError("tfidf expects a SparseTensor of term ids, got %s" % type(x).__name__)
  vocab_size = tf.cast(vocab_size, tf.int64)
  rows = x.indices[:, 0]
  ids = tf.math.floormod(tf.cast(x.values, tf.int64), vocab_size)
  num_docs = x.dense_shape[0]
  keys, _, counts = tf.unique_with_counts(rows * vocab_size + ids)
  order = tf.argsort(keys)  # By row, then id, as TFT's term-frequency tensor is ordered.
  keys, counts = tf.gather(keys, order), tf.gather(counts, order)
  doc_rows, doc_ids = keys // vocab_size, keys % vocab_size
  lengths = tf.math.unsorted_segment_sum(tf.ones_like(rows), rows, num_docs)
  term_freq = tf.cast(counts, tf.float32) / tf.cast(tf.gather(lengths, doc_rows), tf.float32)
  # Document frequencies: one count per (document, id); the corpus size: one per row.
  count_name = name or "tfidf"
  df_keys, df_counts = _analyzers.count_per_key(doc_ids, name=count_name)
  corpus = _analyzers.size(tf.ones(tf.reshape(num_docs, [1]), tf.int64), name=count_name + "_docs")
  df = tf.scatter_nd(tf.reshape(df_keys, [-1, 1]), tf.cast(df_counts, tf.float32),
                     tf.reshape(vocab_size, [1]))
  n, d = tf.cast(corpus, tf.float32), tf.gather(df, doc_ids)
  idf = (tf.math.log((n + 1.0) / (d + 1.0)) if smooth else tf.math.log(n / d)) + 1.0
  # Column = position within the row (ids are grouped by row in first-seen order).
  starts = tf.math.unsorted_segment_min(tf.range(tf.size(doc_rows, out_type=tf.int64)),
                                        doc_rows, num_docs)
  columns = tf.range(tf.size(doc_rows, out_type=tf.int64)) - tf.gather(starts, doc_rows)
  indices = tf.stack([doc_rows, columns], axis=1)
  shape = tf.stack([num_docs, tf.reduce_max(tf.concat([columns + 1, [0]], 0))])
  return (tf.SparseTensor(indices, doc_ids, shape),
          tf.SparseTensor(indices, term_freq * idf, shape))


def _per_key(x, key, name, key_vocabulary_filename):
  """(x's values, key ids, moments) with the per-key moments gathered for every value."""
  values, keys = _analyzers.paired_values(x, key, name)
  moments = _analyzers.per_key_moments(values, keys, name, key_vocabulary_filename)
  if keys.dtype != tf.string:
    keys = tf.strings.as_string(keys)
  ids = ops.apply_vocabulary(keys, moments["file"], default_value=-1)
  return values, ids, moments


def _gather(vector, ids, default):
  """vector[ids], with `default` where ids is -1 (a key not seen in analysis)."""
  padded = tf.concat([vector, tf.reshape(tf.cast(default, vector.dtype), [1])], 0)
  return tf.gather(padded, tf.where(ids < 0, tf.size(vector, out_type=ids.dtype), ids))


def _like(x, values):
  """Values computed from x's flat values, in x's structure and static shape."""
  if isinstance(x, tf.SparseTensor):
    return tf.SparseTensor(x.indices, values, x.dense_shape)
  if isinstance(x, tf.RaggedTensor):
    return x.with_flat_values(values)
  x = tf.convert_to_tensor(x)
  result = tf.reshape(values, tf.shape(x))
  result.set_shape(x.shape)
  return result


def scale_to_z_score_per_key(x, key, elementwise=False, key_vocabulary_filename=None,
                             output_dtype=None, name=None):
  """z-scores with each key's own mean and stddev; unseen keys keep x - 0 (stddev 1)."""
  _analyzers.check_reduce("scale_to_z_score_per_key", not elementwise)
  values, ids, m = _per_key(x, key, name or "scale_to_z_score_per_key", key_vocabulary_filename)
  dtype = m["mean"].dtype
  result = (tf.cast(values, dtype) - _gather(m["mean"], ids, 0)) / _gather(_stddev(m["var"]), ids, 1)
  return _cast(_like(x, result), output_dtype)


def scale_by_min_max_per_key(x, key, output_min=0.0, output_max=1.0, elementwise=False,
                             key_vocabulary_filename=None, name=None):
  """x scaled from its key's [min, max] to [output_min, output_max]; sigmoid(x) scaled the same
  way where the key's min == max or the key is unseen (as in TFT)."""
  _analyzers.check_reduce("scale_by_min_max_per_key", not elementwise)
  values, ids, m = _per_key(x, key, name or "scale_by_min_max_per_key", key_vocabulary_filename)
  dtype = m["mean"].dtype
  lo, hi = _gather(m["min"], ids, 0), _gather(m["max"], ids, 0)
  spread = lo < hi
  v = tf.cast(values, dtype)
  scaled = tf.where(spread, (v - lo) / tf.where(spread, hi - lo, 1), tf.math.sigmoid(v))
  return _like(x, scaled * (output_max - output_min) + output_min)


def scale_to_0_1_per_key(x, key, elementwise=False, key_vocabulary_filename=None, name=None):
  return scale_by_min_max_per_key(x, key, 0.0, 1.0, elementwise, key_vocabulary_filename,
                                  name or "scale_to_0_1_per_key")
