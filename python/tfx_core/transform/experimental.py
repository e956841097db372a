"""tensorflow_transform.experimental: approximate vocabularies, vocabulary sizes by name, and
document frequency / inverse document frequency mappers.

approximate_vocabulary is TFT's Misra-Gries top_k sketch; here it is the exact vocabulary of
tft.vocabulary cut to top_k, which is what the sketch gives whenever x has at most top_k
distinct values (and is at least as accurate otherwise). Files, ordering (most frequent first,
ties: larger token first) and frequencies are tft.vocabulary's, names are TFT's approximate ones.
Beam-only APIs (ptransform_analyzer, CacheablePTransformAnalyzer and its cache coders) are not
provided: tfx_core's analyzers are C++ accumulators, not Beam PTransforms.
"""

import tensorflow as tf

from tfx_core.transform import _analyzers, _mappers, _tracing
from tfx_core.transform._tracing import Output

# TFT's prefixes, as its _get_approx_vocab_filename applies them: "approx_vocab_frequency_" for
# a file without frequencies and "approx_vocab_" for one with them (swapped in TFT; kept so that
# default file names are TFT's).
_APPROXIMATE_VOCAB_FILENAME_PREFIX = "approx_vocab_"
_APPROXIMATE_VOCAB_FREQUENCY_FILENAME_PREFIX = "approx_vocab_frequency_"
_LARGE_VOCAB_TOP_K = 200_000  # TFT's analyzers.LARGE_VOCAB_TOP_K.
_ALLOWED_VOCABULARY_FILE_FORMATS = ("text", "tfrecord_gzip")


def _approximate_vocab_filename(vocab_filename, store_frequency):
  if vocab_filename is not None:
    return _analyzers.sanitized_vocab_filename(vocab_filename)
  prefix = _APPROXIMATE_VOCAB_FILENAME_PREFIX if store_frequency else \
      _APPROXIMATE_VOCAB_FREQUENCY_FILENAME_PREFIX
  return _analyzers.sanitized_vocab_filename(prefix=prefix)


def _approximate_vocabulary(x, top_k, vocab_filename, store_frequency, reserved_tokens, weights,
                            file_format, name):
  """The vocabulary file's path tensor."""
  if top_k is None or isinstance(top_k, bool) or not isinstance(top_k, int):
    raise TypeError("approximate_vocabulary: top_k must be a positive int, got %r" % (top_k,))
  if top_k <= 0:
    raise ValueError("top_k must be positive, but got: %r" % top_k)
  if top_k > _LARGE_VOCAB_TOP_K:
    raise ValueError(
        "Provided top_k threshold is too large for the approximate calculation: if the expected "
        "number of unique elements is larger than top_k, tft.vocabulary may be more efficient. "
        "Maximum allowed top_k is {}".format(_LARGE_VOCAB_TOP_K))
  if file_format not in _ALLOWED_VOCABULARY_FILE_FORMATS:
    raise ValueError('"{}" is not an accepted file_format. It should be one of: {}'.format(
        file_format, _ALLOWED_VOCABULARY_FILE_FORMATS))
  dtype = getattr(x, "dtype", None)
  if dtype is None or (dtype != tf.string and not dtype.is_integer):
    raise ValueError("expected tf.string or integer but got %r" % (dtype,))
  with tf.compat.v1.name_scope(name, "approximate_vocabulary"):
    filename = _approximate_vocab_filename(vocab_filename, store_frequency)
    path = _analyzers.vocabulary(x, top_k=top_k, vocab_filename=filename,
                                 store_frequency=store_frequency, weights=weights,
                                 file_format=file_format, reserved_tokens=reserved_tokens)
  return path


def approximate_vocabulary(x, top_k, *, vocab_filename=None, store_frequency=False,
                           reserved_tokens=None, weights=None, file_format="text", name=None):
  """The top_k most frequent values of x (string or integer), as a vocabulary file like
  tft.vocabulary's; returns its path. Default file name: TFT's approx_vocab_..._<name scope>."""
  return _approximate_vocabulary(x, top_k, vocab_filename, store_frequency, reserved_tokens,
                                 weights, file_format, name)


def compute_and_apply_approximate_vocabulary(x, *, default_value=-1, top_k=None,
                                             num_oov_buckets=0, vocab_filename=None,
                                             weights=None, file_format="text",
                                             store_frequency=False, reserved_tokens=None,
                                             name=None):
  """approximate_vocabulary(x, top_k, ...) then tft.apply_vocabulary: int64 ids, the most
  frequent value 0; OOV values get default_value, or one of num_oov_buckets hash buckets."""
  with tf.compat.v1.name_scope(name, "compute_and_apply_approximate_vocabulary"):
    x = _analyzers.spaces_for_frequency_file(x, store_frequency and file_format == "text")
    path = _approximate_vocabulary(x, top_k, vocab_filename, store_frequency, reserved_tokens,
                                   weights, file_format, name)
    result = _mappers.apply_vocabulary(x, path, default_value=default_value,
                                       num_oov_buckets=num_oov_buckets, file_format=file_format,
                                       store_frequency=store_frequency)
  return result  # apply_vocabulary records the ids' int_domain, as TFT's annotates it.


# ---- Vocabulary sizes by file name ----

def _file_analyzer(trace, vocab_filename):
  """(kind, inputs, params) of the analyzer of this trace that writes `vocab_filename`, or None.
  Reads the trace's file and signature registers (Trace._files, Trace._keys)."""
  key = trace._files.get(vocab_filename)  # pylint: disable=protected-access
  if key is None:
    return None
  for (kind, refs, params), k in trace._keys.items():  # pylint: disable=protected-access
    if k == key:
      return kind, [r.deref() for r in refs], dict(params)
  return None


def get_vocabulary_size_by_name(vocab_filename):
  """The number of entries (OOV buckets not included) of the vocabulary file `vocab_filename`
  computed earlier in this preprocessing_fn, as an int64 scalar tensor.

  The same analyzer is registered again (same kind, inputs and parameters: the same key) with
  a "size" output, so while the vocabulary is pending this is a placeholder and what depends on
  it waits for a later pass, as any analyzer output does.
  """
  trace = _tracing.current("experimental.get_vocabulary_size_by_name")
  analyzer = _file_analyzer(trace, vocab_filename)
  if analyzer is None:
    raise ValueError(
        "Vocabulary size not found for %s. If this vocabulary was created using "
        "`tft.vocabulary`, this should be the same as the `vocab_filename` argument passed to "
        "it." % (vocab_filename,))
  kind, inputs, params = analyzer
  outputs = {"size": Output(tf.int64, [], lambda v: tf.constant(v["size"], tf.int64))}
  return trace.analyze(kind, "get_vocabulary_size_by_name", inputs, params, None,
                       outputs)["size"]


# ---- Document frequency and inverse document frequency ----

def _check_term_ids(x, mapper):
  if not isinstance(x, tf.SparseTensor):
    raise TypeError("%s: x must be a 2D SparseTensor of term ids, got %s" % (
        mapper, type(x).__name__))
  if x.get_shape().ndims != 2:
    raise ValueError("tft.tfidf requires a 2D SparseTensor input. Input had {} dimensions."
                     .format(x.get_shape().ndims))


def _to_vocab_range(x, vocab_size):
  """x with its ids taken mod vocab_size (negative and too large ids wrap, as TFT)."""
  return tf.SparseTensor(x.indices, tf.math.floormod(x.values, tf.cast(vocab_size, x.values.dtype)),
                         x.dense_shape)


def _global_document_frequency(x, vocab_size, name):
  """int64 [vocab_size]: how many documents (rows) of the whole dataset hold each id of x."""
  vocab_size = tf.cast(vocab_size, tf.int64)
  rows, ids = x.indices[:, 0], tf.cast(x.values, tf.int64)
  multiplier = vocab_size + 1
  pairs, _ = tf.unique(rows * multiplier + ids)  # One entry per (document, id).
  doc_ids = tf.math.floormod(pairs, multiplier)
  keys, counts = _analyzers.count_per_key(doc_ids, name=name)
  return tf.scatter_nd(tf.reshape(keys, [-1, 1]), tf.cast(counts, tf.int64),
                       tf.reshape(vocab_size, [1]))


def document_frequency(x, vocab_size, name=None):
  """x's term ids (a 2D SparseTensor of int64 ids, taken mod vocab_size) mapped to the number
  of documents (rows) of the dataset holding them: an int64 SparseTensor shaped like x."""
  _check_term_ids(x, "document_frequency")
  with tf.compat.v1.name_scope(name, "df"):
    cleaned = _to_vocab_range(x, vocab_size)
    all_df = _global_document_frequency(cleaned, vocab_size, name or "document_frequency")
    return tf.SparseTensor(cleaned.indices, tf.gather(all_df, tf.cast(cleaned.values, tf.int64)),
                           cleaned.dense_shape)


def idf(x, vocab_size, smooth=True, add_baseline=True, name=None):
  """x's term ids (a 2D SparseTensor, taken mod vocab_size) mapped to their float32 inverse
  document frequency: log((N + 1) / (df + 1)) if smooth, else log(N / df), plus 1 with
  add_baseline; N is the number of documents (rows, empty ones included)."""
  _check_term_ids(x, "idf")
  with tf.compat.v1.name_scope(name, "idf"):
    cleaned = _to_vocab_range(x, vocab_size)
    all_df = _global_document_frequency(cleaned, vocab_size, name or "idf")
    corpus_size = _analyzers.sum(tf.reshape(cleaned.dense_shape[0], [1]), name=name or "idf")
    n, df = tf.cast(corpus_size, tf.float32), tf.cast(all_df, tf.float32)
    baseline = 1.0 if add_baseline else 0.0
    all_idf = (tf.math.log((n + 1.0) / (1.0 + df)) if smooth else tf.math.log(n / df)) + baseline
    return tf.SparseTensor(cleaned.indices,
                           tf.gather(all_idf, tf.cast(cleaned.values, tf.int64)),
                           cleaned.dense_shape)


__all__ = [
    "approximate_vocabulary", "compute_and_apply_approximate_vocabulary", "document_frequency",
    "get_vocabulary_size_by_name", "idf",
]
