"""Analyzers: tensorflow_transform's names and arguments, computed by C++ accumulators.

Each analyzer kind is defined once here: the accumulator that a pass over the data feeds, how
its result becomes a JSON-able value (kept in the analyzer cache and the TransformGraph), and the
tensors preprocessing_fn gets for that value. Nulls and NaN are skipped by every analyzer.
Over no values, mean/var/sum are 0 and min/max are +inf/-inf (TensorFlow's empty reductions).
"""

import builtins
import hashlib
import math
import os
import re

import numpy as np
import tensorflow as tf

from tfx_core._native import ext
from tfx_core.ops._transform_ops import map_values
from tfx_core.transform import _tracing
from tfx_core.transform._tracing import Output

_kernels = ext.analyzers


# ---- Accumulators and their values (used by the analysis passes) ----

def new_accumulator(request):
  return {
      "moments": lambda: _kernels.MomentsAnalyzer(request.params.get("width", 1)),
      "quantiles": lambda: (_kernels.WeightedQuantilesAnalyzer if request.params.get("weighted")
                            else _kernels.QuantilesAnalyzer)(request.params.get("k", 200),
                                                             request.params.get("width", 1)),
      "vocabulary": (_kernels.LabeledVocabularyAnalyzer if request.params.get("labeled")
                     else _kernels.VocabularyAnalyzer),
      "keyed_moments": _kernels.KeyedMomentsAnalyzer,
      "keyed_quantiles": lambda: _kernels.KeyedQuantilesAnalyzer(request.params["k"]),
      "covariance": lambda: _kernels.CovarianceAnalyzer(request.params["width"]),
  }[request.kind]()


def finalize(request, accumulator, files_dir):
  """The JSON-able value of a finished accumulator; vocabularies are written to files_dir."""
  params = request.params
  if request.kind == "moments":
    return accumulator.result()
  if request.kind == "quantiles":
    # Boundaries are float32 in the graph (as in TFT), num_buckets - 1 of them, repeats kept;
    # elementwise, one list per position.
    per_position = [accumulator.boundaries(params["num_buckets"], p).astype(np.float32)
                    .astype(np.float64).tolist() for p in range(accumulator.width)]
    return {"boundaries": per_position if "width" in params else per_position[0]}
  if request.kind == "vocabulary":
    filename = _tracing.file_name(request)
    path = os.path.join(files_dir, filename)
    size = _write_vocabulary(accumulator, path, params)
    if params.get("fingerprint_shuffle"):
      _fingerprint_shuffle(path, params["store_frequency"])
    reserved = [_bytes(t) for t in params.get("reserved_tokens", ())]
    if reserved:
      size = _prepend_reserved_tokens(path, reserved, params["store_frequency"], size)
    if size == 0:  # As TFT: one dummy token, so that lookup tables can be built.
      dummy = EMPTY_VOCABULARY_INT_TOKEN if params.get("integer") else EMPTY_VOCABULARY_TOKEN
      with open(path, "wb") as f:
        f.write((b"1 " if params["store_frequency"] else b"") + dummy + b"\n")
      size = 1
    value = {"file": filename, "size": size}
    if params.get("with_entries"):
      tokens, ranks, _ = accumulator.sorted(params["weighted"], params["top_k"],
                                            params["frequency_threshold"])
      value["keys"] = [_text(t) for t in tokens]
      value["counts"] = ranks.tolist() if params["weighted"] else ranks.astype(np.int64).tolist()
    return value
  if request.kind == "covariance":
    result = accumulator.result()
    return {"count": result["count"], "mean": result["mean"].tolist(),
            "covariance": result["covariance"].tolist()}
  if request.kind == "keyed_moments":
    result = accumulator.result()
    order, value = _write_keys(request, files_dir, result["keys"])
    for field in ("count", "mean", "var", "min", "max"):
      value[field] = np.asarray(result[field])[order].tolist()
    return value
  if request.kind == "keyed_quantiles":
    keys, boundaries = accumulator.result(params["num_buckets"])
    # Keys whose values all had weight 0 have no boundaries: they stay unseen keys.
    order, value = _write_keys(request, files_dir, keys, lambda i: len(boundaries[i]))
    value["boundaries"] = [boundaries[i].astype(np.float32).astype(np.float64).tolist()
                           for i in order]
    return value
  raise ValueError("unknown analyzer kind %r" % request.kind)


def _write_keys(request, files_dir, keys, keep=lambda i: True):
  """Writes a per-key analyzer's keys file, sorted (keys holding a line break cannot be lines
  of it: they stay unseen keys); (the kept keys' indices, the value's file and size)."""
  order = sorted((i for i, k in enumerate(keys) if b"\n" not in k and b"\r" not in k and keep(i)),
                 key=lambda i: keys[i])
  filename = _tracing.file_name(request)
  path = os.path.join(files_dir, filename)
  with open(path + ".tmp", "wb") as f:
    f.write(b"".join(keys[i] + b"\n" for i in order))
  os.replace(path + ".tmp", path)
  return order, {"file": filename, "size": len(order)}


def _ranking(params):
  """How a vocabulary's accumulator ranks its tokens (its ranked() / write_file() arguments)."""
  if params.get("labeled"):
    min_diff = params["min_diff_from_avg"]  # None: TFT's default for the data size (NaN).
    return {"adjusted": params["adjusted"],
            "min_diff_from_avg": math.nan if min_diff is None else min_diff}
  return {"weighted": params["weighted"]}


def _write_vocabulary(accumulator, path, params):
  """Writes the vocabulary file (C++ selects and orders, unless a coverage arm needs key_fn,
  a Python function of each token); returns its size."""
  if params.get("key_fn") is None:
    return accumulator.write_file(path, top_k=params["top_k"],
                                  frequency_threshold=params["frequency_threshold"],
                                  store_frequency=params["store_frequency"], **_ranking(params))
  tokens, ranks, thresholded = accumulator.ranked(**_ranking(params))
  kept = _with_coverage(tokens, ranks, thresholded, params)
  _kernels.write_vocabulary_file(path, [tokens[i] for i in kept], ranks[kept].tolist(),
                                 params["store_frequency"])
  return len(kept)


def _with_coverage(tokens, ranks, thresholded, params):
  """TFT's coverage vocabulary: the standard arm (frequency_threshold, top_k) and, for each key
  key_fn gives the tokens, its coverage_top_k best above coverage_frequency_threshold; their
  union in vocabulary order (rank descending, ties by token descending). Indices of tokens."""
  def passes(i, threshold):
    # NaN fails any threshold but -inf (none); lines cannot hold "" or line breaks.
    return (threshold == -math.inf or thresholded[i] >= threshold) and tokens[i] and \
        b"\n" not in tokens[i] and b"\r" not in tokens[i]

  def best_first(indices):
    return sorted(indices, key=lambda i: (ranks[i], tokens[i]), reverse=True)

  top_k, coverage_top_k = params["top_k"], params["coverage_top_k"]
  standard = best_first(i for i in range(len(tokens)) if passes(i, params["frequency_threshold"]))
  kept = set(standard if top_k < 0 else standard[:top_k])
  by_key = {}
  for i in range(len(tokens)):
    if passes(i, params["coverage_frequency_threshold"]):
      by_key.setdefault(params["key_fn"](tokens[i]), []).append(i)
  for indices in by_key.values():
    ordered = best_first(indices)
    kept.update(ordered if coverage_top_k < 0 else ordered[:coverage_top_k])
  return best_first(kept)


def _text(token):
  # JSON keeps str; undecodable bytes survive as surrogates (decoded back in _bytes).
  return token.decode("utf-8", "surrogateescape")


def _bytes(text):
  return text.encode("utf-8", "surrogateescape")


# ---- Shared input handling ----

_INTEGERS = (tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.uint32)


def _numeric_values(x, analyzer):
  trace = _tracing.current(analyzer)
  values, source = trace.flat_values(x, analyzer)
  if values.dtype in _INTEGERS and values.dtype != tf.int64:
    values, source = tf.cast(values, tf.int64), None
  elif values.dtype in (tf.float16, tf.bfloat16):
    values, source = tf.cast(values, tf.float32), None
  elif values.dtype not in (tf.int64, tf.float32, tf.float64):
    raise TypeError("%s of %s: expects a numeric tensor, got %s" % (
        analyzer, _describe(trace, values), values.dtype.name))
  return trace, values, source


# TFT's stand-ins for the token of an empty vocabulary (string and integer vocabularies).
EMPTY_VOCABULARY_TOKEN = b"49d0cd50-04bb-48c0-bc6f-5b575dce351a"
EMPTY_VOCABULARY_INT_TOKEN = b"-1"


def _token_of(store_frequency):
  return (lambda line: line.split(b" ", 1)[1]) if store_frequency else (lambda line: line)


def _rewrite_lines(path, lines):
  with open(path + ".tmp", "wb") as f:
    f.write(b"".join(line + b"\n" for line in lines))
  os.replace(path + ".tmp", path)


def _fingerprint_shuffle(path, store_frequency):
  """TFT's fingerprint_shuffle: the kept tokens ordered by their SHA-1 digest, so ids do not
  follow frequency."""
  with open(path, "rb") as f:
    lines = f.read().splitlines()
  token = _token_of(store_frequency)
  _rewrite_lines(path, sorted(lines, key=lambda line: hashlib.sha1(token(line)).digest()))


def _prepend_reserved_tokens(path, reserved, store_frequency, size):
  """TFT's reserved_tokens: first in the file (frequency -1), the computed tokens after them
  without the reserved ones; the size TFT reports counts both (a reserved token seen in the
  data twice)."""
  with open(path, "rb") as f:
    lines = f.read().splitlines()
  token = _token_of(store_frequency)
  kept = [line for line in lines if token(line) not in set(reserved)]
  _rewrite_lines(path, [(b"-1 " + t) if store_frequency else t for t in reserved] + kept)
  return size + len(reserved)


def _string_values(x, analyzer):
  trace = _tracing.current(analyzer)
  values, source = trace.flat_values(x, analyzer)
  if values.dtype in _INTEGERS:
    values, source = tf.strings.as_string(values), None  # TFT: integer vocabularies.
  elif values.dtype != tf.string:
    raise TypeError("%s of %s: expects a string or integer tensor, got %s" % (
        analyzer, _describe(trace, values), values.dtype.name))
  return trace, values, source


def _describe(trace, values):
  features = trace.features_of([values])
  return "feature %s" % ", ".join("'%s'" % f for f in features) if features else "a constant"


def _unsupported(analyzer, **arguments):
  for argument, value in arguments.items():
    if value:
      raise NotImplementedError("%s: argument %s is not supported by tfx_core yet" % (
          analyzer, argument))


def _extreme(value, dtype):
  """min/max as `dtype` (a number, or a list per position); +-inf (no values) becomes the
  integer limits for integer dtypes."""
  if isinstance(value, list):
    return [_extreme(v, dtype) for v in value]
  if dtype.is_integer:
    return int(value) if np.isfinite(value) else (dtype.max if value > 0 else dtype.min)
  return value


def _instance_shape(x, name):
  """The shape of one row of a dense Tensor or a SparseTensor of known dense shape (for
  statistics per position)."""
  if not isinstance(x, (tf.Tensor, tf.SparseTensor)) or x.shape.rank is None or \
      x.shape.rank < 1 or not x.shape[1:].is_fully_defined():
    raise ValueError("%s with reduce_instance_dims=False needs a dense Tensor (or SparseTensor) "
                     "with a fixed shape after the batch dimension; got %r" % (name, x))
  return x.shape[1:].as_list()


def _positions(x):
  """A SparseTensor as dense float64 rows, NaN where it has no value (analyzers skip NaN), for
  statistics per position."""
  if not isinstance(x, tf.SparseTensor):
    return x
  return tf.sparse.to_dense(tf.SparseTensor(x.indices, tf.cast(x.values, tf.float64),
                                            x.dense_shape), default_value=np.nan)


def _output_float_dtype(dtype):
  """TFT's dtype for means and variances: the input's for floats, float32 for integers."""
  return dtype if dtype in (tf.float16, tf.float64) else tf.float32


def paired_values(x, key, name):
  """(x's values, the key of each value), paired as TFT pairs them: a key per row of a dense
  or composite x (its values share their row's key), or a key per value (a key of x's shape,
  or a sparse/ragged key with x's structure)."""
  if isinstance(x, tf.SparseTensor):
    if isinstance(key, tf.SparseTensor):
      return x.values, key.values
    return x.values, tf.gather(tf.reshape(key, [-1]), x.indices[:, 0])
  if isinstance(x, tf.RaggedTensor):
    if isinstance(key, tf.RaggedTensor):
      return x.flat_values, key.flat_values
    rows = x.value_rowids()
    for splits in x.nested_row_splits[1:]:
      rows = tf.gather(rows, tf.ragged.row_splits_to_segment_ids(splits, out_type=rows.dtype))
    return x.flat_values, tf.gather(tf.reshape(key, [-1]), rows)
  if isinstance(key, (tf.SparseTensor, tf.RaggedTensor)):
    raise ValueError("%s: a dense x needs a dense key (one per row, or one per value)" % name)
  x = tf.convert_to_tensor(x)
  key = tf.convert_to_tensor(key)
  if x.shape.rank and key.shape.rank == x.shape.rank and key.shape[1:] == x.shape[1:]:
    return tf.reshape(x, [-1]), tf.reshape(key, [-1])  # A key per value.
  per_row = tf.reshape(key, [-1] + [1] * (x.shape.rank - 1)) if x.shape.rank else key
  return tf.reshape(x, [-1]), tf.reshape(tf.broadcast_to(per_row, tf.shape(x)), [-1])


# ---- Analyzers ----

def moments(x, name, reduce_instance_dims=True):
  """count, mean, var, min, max, sum of x's values; with reduce_instance_dims=False, of each
  position of a dense Tensor's rows (outputs shaped like one row)."""
  shape = [] if reduce_instance_dims else _instance_shape(x, name)
  dtype = tf.as_dtype(getattr(x, "dtype", tf.float32))  # Outputs keep it, as TFT's.
  trace, values, source = _numeric_values(x if reduce_instance_dims else _positions(x), name)
  out = _output_float_dtype(dtype)

  sparse_positions = isinstance(x, tf.SparseTensor) and not reduce_instance_dims

  def output(field, output_dtype, convert=lambda value, v: value):
    return Output(output_dtype, shape, lambda v: tf.constant(
        convert(v[field], v), output_dtype, shape=shape))

  def nan_without_values(value, v):
    """Positions of a SparseTensor no row has a value at: NaN (0 / 0), as in TFT."""
    return np.where(np.asarray(v["count"]) > 0, value, np.nan).tolist()

  moment = nan_without_values if sparse_positions else (lambda value, v: value)
  extreme = moment if dtype.is_floating else (lambda value, v: value)
  outputs = {
      "mean": output("mean", out, moment), "var": output("var", out, moment),
      "min": output("min", dtype, lambda value, v: extreme(_extreme(value, dtype), v)),
      "max": output("max", dtype, lambda value, v: extreme(_extreme(value, dtype), v)),
      # Integers sum exactly (int_sum), unless read as float positions of a SparseTensor; as
      # TFT, integer sums are int64 and float16 sums float32.
      "sum": output("sum", tf.int64, lambda value, v: np.rint(value).astype(np.int64).tolist())
             if dtype.is_integer and sparse_positions
             else output("int_sum", tf.int64) if dtype.is_integer
             else output("sum", tf.float32 if dtype in (tf.float16, tf.bfloat16) else dtype),
      "count": output("count", tf.int64),
  }
  params = {} if reduce_instance_dims else {"width": int(np.prod(shape))}
  return trace.analyze("moments", name, [values], params, source, outputs)


def mean(x, reduce_instance_dims=True, name=None, output_dtype=None):
  """The mean of x's values (float32, or float64 for float64 input); per position of x's rows
  with reduce_instance_dims=False."""
  result = moments(x, name or "mean", reduce_instance_dims)["mean"]
  return tf.cast(result, output_dtype) if output_dtype else result


def var(x, reduce_instance_dims=True, name=None, output_dtype=None):
  """The population variance of x's values (tensorflow_transform's `var`)."""
  result = moments(x, name or "var", reduce_instance_dims)["var"]
  return tf.cast(result, output_dtype) if output_dtype else result


def min(x, reduce_instance_dims=True, name=None):  # pylint: disable=redefined-builtin
  """The smallest of x's values, in x's dtype."""
  return moments(x, name or "min", reduce_instance_dims)["min"]


def max(x, reduce_instance_dims=True, name=None):  # pylint: disable=redefined-builtin
  """The largest of x's values, in x's dtype."""
  return moments(x, name or "max", reduce_instance_dims)["max"]


def sum(x, reduce_instance_dims=True, name=None):  # pylint: disable=redefined-builtin
  """The sum of x's values, in x's dtype (int64 sums are exact)."""
  return moments(x, name or "sum", reduce_instance_dims)["sum"]


def size(x, reduce_instance_dims=True, name=None):
  """The number of x's values (int64), NaN included, missing values not."""
  ones = map_values(lambda v: tf.ones_like(v, tf.int64), x)
  return moments(ones, name or "size", reduce_instance_dims)["count"]


def check_reduce(analyzer, reduce_instance_dims):
  if not reduce_instance_dims:
    raise NotImplementedError("%s: reduce_instance_dims=False (elementwise statistics) is not "
                              "supported by tfx_core yet" % analyzer)


def quantiles(x, num_buckets, epsilon=None, weights=None, reduce_instance_dims=True,
              always_return_num_quantiles=True, name=None):
  """Boundaries splitting x's values into num_buckets of equal count, as TFT picks them:
  float32 [1, num_buckets - 1] (repeats kept), or with reduce_instance_dims=False one row of
  boundaries per position of x's rows, [*x.shape[1:], num_buckets - 1]. A KLL sketch sized for
  `epsilon` (TFT's default: min(1 / num_buckets, 0.01)) keeps every value up to max(4096,
  ~3.3 / epsilon) of them, so small data gives TFT's exact boundaries."""
  del always_return_num_quantiles  # Always num_buckets - 1 boundaries, as TFT's default.
  return quantiles_outputs(x, num_buckets, weights, reduce_instance_dims,
                           name or "quantiles", epsilon)["boundaries"]


_MIN_SKETCH_K = 4096  # Exact up to this many values: small data gets TFT's exact boundaries.


def _sketch_k(epsilon, num_buckets):
  """KLL's k for TFT's epsilon (its rank error is about 3.3 / k, 99% confidence), and at least
  _MIN_SKETCH_K."""
  if epsilon is not None and not isinstance(epsilon, (int, float)):
    epsilon = tf.get_static_value(epsilon)  # A constant tensor, as TFT's tests pass it.
  # (builtins': this module's min and max are analyzers.)
  epsilon = float(epsilon) if epsilon else builtins.min(1.0 / num_buckets, 0.01)
  return int(builtins.min(builtins.max(_MIN_SKETCH_K, math.ceil(3.3 / epsilon)), 1 << 20))


def quantiles_outputs(x, num_buckets, weights, reduce_instance_dims, name, epsilon=None):
  if not isinstance(num_buckets, int) or num_buckets < 1:
    raise ValueError("%s: num_buckets must be a positive int, got %r" % (name, num_buckets))
  shape = None if reduce_instance_dims else _instance_shape(x, name)
  trace, values, source = _numeric_values(x, name)
  params = {"num_buckets": num_buckets, "k": _sketch_k(epsilon, num_buckets)}
  inputs = [values]
  if weights is not None:  # One weight per row or per value, paired with each value.
    _, value_weights = paired_values(x, weights, name)
    inputs.append(tf.cast(value_weights, tf.float64))
    params["weighted"] = True
  if shape is None:
    outputs = {"boundaries": Output(tf.float32, [1, None], lambda v: tf.reshape(
        tf.constant(v["boundaries"], tf.float32), [1, -1]))}
  else:
    params["width"] = int(np.prod(shape))
    outputs = {"boundaries": Output(tf.float32, shape + [None], lambda v: tf.reshape(
        tf.constant(v["boundaries"], tf.float32), shape + [-1]))}
  return trace.analyze("quantiles", name, inputs, params, source, outputs)


def vocabulary(x, top_k=None, frequency_threshold=None, vocab_filename=None,
               store_frequency=False, reserved_tokens=None, weights=None, labels=None,
               use_adjusted_mutual_info=False, min_diff_from_avg=None, coverage_top_k=None,
               coverage_frequency_threshold=None, key_fn=None, fingerprint_shuffle=False,
               file_format="text", name=None):
  """A vocabulary file of x's distinct values, most frequent first (ties: larger token first),
  as tensorflow_transform writes it; returns its path. Integer x is counted as decimal strings.

  weights: count weighted occurrences instead of occurrences (frequency_threshold and top_k
  then apply to the weight sums). store_frequency: lines are "<frequency> <token>".
  labels (integer class ids, one per row): rank tokens by their mutual information with the
  label (adjusted for chance with use_adjusted_mutual_info; min_diff_from_avg: TFT's
  regularization, by default TFT's recommendation for the data size); frequency_threshold then
  bounds the information. key_fn: add a coverage arm, the coverage_top_k best tokens of each
  key_fn(token) (above coverage_frequency_threshold).
  """
  check_file_format(file_format)
  with tf.compat.v1.name_scope(name, "vocabulary"):
    return vocabulary_outputs(
        x, name or "vocabulary", top_k=top_k, frequency_threshold=frequency_threshold,
        vocab_filename=vocabulary_file_name(vocab_filename, store_frequency),
        store_frequency=store_frequency, weights=weights, reserved_tokens=reserved_tokens,
        fingerprint_shuffle=fingerprint_shuffle, labels=labels,
        use_adjusted_mutual_info=use_adjusted_mutual_info, min_diff_from_avg=min_diff_from_avg,
        coverage_top_k=coverage_top_k, coverage_frequency_threshold=coverage_frequency_threshold,
        key_fn=key_fn)["file"]


def spaces_for_frequency_file(x, store_frequency):
  """As TFT's compute_and_apply vocabularies: in "<frequency> <token>" files a space in a token
  would be ambiguous, so string tokens have their spaces written as __SPACE__ (and are looked
  up the same way)."""
  if not store_frequency or getattr(x, "dtype", None) != tf.string:
    return x
  return map_values(lambda v: tf.strings.regex_replace(v, " ", "__SPACE__"), x)


def vocabulary_file_name(vocab_filename, store_frequency):
  """vocab_filename, or TFT's default: "vocab_" ("vocab_frequency_" with frequencies) and the
  current name scope (vocab_vocabulary, vocab_vocabulary_1, ...), made file-safe as TFT does."""
  if vocab_filename is not None:
    return vocab_filename
  return sanitized_vocab_filename(prefix="vocab_frequency_" if store_frequency else "vocab_")


def sanitized_vocab_filename(filename=None, prefix=None):
  """TFT's: `filename`, or `prefix` and the current name scope, with characters other than
  word characters, whitespace and '-' made '_' and whitespace runs '-'."""
  if filename is None:
    filename = prefix + tf.compat.v1.get_default_graph().get_name_scope()
  filename = re.sub(r"[^\w\s-]", "_", filename).strip()
  return re.sub(r"[-\s]+", "-", filename)


def check_file_format(file_format):
  _unsupported("vocabulary", file_format=file_format != "text")


def _ranking_params(params, labels, frequency_threshold, use_adjusted_mutual_info,
                    min_diff_from_avg, coverage_top_k, coverage_frequency_threshold, key_fn):
  """Adds to params how tokens are ranked and kept, with TFT's checks and defaults."""
  if (coverage_top_k or coverage_frequency_threshold) and not key_fn:
    raise ValueError("You must specify `key_fn` if you specify `coverage_top_k` or "
                     "`coverage_frequency_threshold` in `vocabulary`.")
  if key_fn and not (coverage_top_k or coverage_frequency_threshold):
    raise ValueError("You must specify `coverage_top_k`  or `coverage_frequency_threshold` if "
                     "you specify `key_fn` in `vocabulary`.")
  # As TFT's: numbers from strings too ("2").
  frequency_threshold, coverage_frequency_threshold = (
      None if value is None else float(value)
      for value in (frequency_threshold, coverage_frequency_threshold))
  for value in (frequency_threshold, coverage_frequency_threshold):
    if value is not None and value < 0:
      raise ValueError("frequency_threshold must be non-negative, but got: %r" % value)
  if coverage_top_k is not None and int(coverage_top_k) <= 0:
    raise ValueError("top_k must be positive, but got: %r" % coverage_top_k)

  def threshold(value):
    # With labels a threshold bounds the information, and no threshold (-inf) differs from 0:
    # tokens of negative adjusted information stay.
    if labels is not None:
      return -math.inf if value is None else float(value)
    return float(value or 0.0)

  params["frequency_threshold"] = threshold(frequency_threshold)
  if labels is not None:
    params.update(labeled=True, adjusted=bool(use_adjusted_mutual_info),
                  min_diff_from_avg=None if min_diff_from_avg is None else float(min_diff_from_avg))
  if key_fn is not None:
    params.update(key_fn=key_fn,
                  coverage_top_k=-1 if coverage_top_k is None else int(coverage_top_k),
                  coverage_frequency_threshold=threshold(coverage_frequency_threshold))


def _labeled_inputs(trace, x, values, labels, weights, name):
  """The LabeledVocabularyAnalyzer's inputs: x's tokens with their row's label and weight,
  then one entry per row (its label and weight: the label distribution of all rows)."""
  if isinstance(labels, (tf.SparseTensor, tf.RaggedTensor)):
    raise NotImplementedError("%s: multi-label (sparse or ragged) labels are not supported by "
                              "tfx_core yet; give one integer label per row" % name)
  labels = tf.convert_to_tensor(labels)
  if not labels.dtype.is_integer:
    raise ValueError("expected integer labels but got %r" % labels.dtype)
  labels = tf.cast(labels, tf.int64)
  _, token_labels = paired_values(x, labels, name)
  row_labels = tf.reshape(labels, [-1])
  rows = tf.size(row_labels)
  if weights is None:
    token_weights = tf.ones_like(values, tf.float64)
    row_weights = tf.ones([rows], tf.float64)
  else:
    token_weights = tf.cast(trace.flat_values(weights, name)[0], tf.float64)
    check = tf.debugging.assert_equal(
        tf.size(token_weights), rows,
        message="%s: with labels, weights need one value per row (as TFT's)" % name)
    with tf.control_dependencies([check]):
      row_weights = tf.identity(token_weights)
  tokens = tf.concat([values, tf.fill([rows], "")], 0)
  flags = tf.concat([tf.zeros_like(token_labels), tf.ones([rows], tf.int64)], 0)
  return [tokens, tf.concat([token_labels, row_labels], 0),
          tf.concat([token_weights, row_weights], 0), flags]


def vocabulary_outputs(x, name, top_k=None, frequency_threshold=None, vocab_filename=None,
                       store_frequency=False, weights=None, with_entries=False,
                       reserved_tokens=None, fingerprint_shuffle=False, labels=None,
                       use_adjusted_mutual_info=False, min_diff_from_avg=None,
                       coverage_top_k=None, coverage_frequency_threshold=None, key_fn=None):
  trace, values, source = _string_values(x, name)
  integer = getattr(x, "dtype", None) in _INTEGERS
  if labels is not None:
    inputs = _labeled_inputs(trace, x, values, labels, weights, name)
  else:
    inputs = [values]
    if weights is not None:
      weight_values, _ = trace.flat_values(weights, name)
      inputs.append(tf.cast(weight_values, tf.float64))
  if vocab_filename is not None and (not vocab_filename or os.sep in vocab_filename):
    raise ValueError("%s: vocab_filename must be a plain file name, got %r" % (
        name, vocab_filename))
  params = {
      "top_k": -1 if top_k is None else int(top_k),
      "filename": vocab_filename, "store_frequency": bool(store_frequency),
      "weighted": weights is not None, "with_entries": with_entries,
  }
  _ranking_params(params, labels, frequency_threshold, use_adjusted_mutual_info,
                  min_diff_from_avg, coverage_top_k, coverage_frequency_threshold, key_fn)
  if integer:
    params["integer"] = True
  if fingerprint_shuffle:
    params["fingerprint_shuffle"] = True
  if reserved_tokens is not None:
    if isinstance(reserved_tokens, (tf.Tensor, tf.Variable)):
      reserved_tokens = tf.get_static_value(reserved_tokens)
      if reserved_tokens is None:
        raise ValueError("%s: reserved_tokens must be a list or a constant tensor" % name)
    params["reserved_tokens"] = tuple(
        t.decode("utf-8", "surrogateescape") if isinstance(t, bytes) else str(t)
        for t in reserved_tokens)
  outputs = {"file": Output(tf.string, [], lambda v: trace.file(v["file"])),
             "size": Output(tf.int64, [], lambda v: tf.constant(v["size"], tf.int64))}
  if with_entries:
    outputs["keys"] = Output(tf.string, [None], lambda v: tf.constant(
        [_bytes(k) for k in v["keys"]], tf.string, shape=[len(v["keys"])]))
    outputs["counts"] = Output(tf.int64, [None], lambda v: tf.constant(
        v["counts"], tf.int64, shape=[len(v["counts"])]))
  result = trace.analyze("vocabulary", name, inputs, params, source, outputs)
  trace.record_vocabulary(result["file"],
                          result.value["size"] if result.value is not None else result["size"])
  return result


def _covariance(x, dtype, name):
  if not isinstance(x, tf.Tensor) or x.shape.rank != 2 or x.shape[1] is None:
    raise ValueError("%s expects a dense [batch, n] Tensor with a fixed n; got %r" % (name, x))
  width = int(x.shape[1])
  trace, values, source = _numeric_values(x, name)
  outputs = {"covariance": Output(dtype, [width, width], lambda v: tf.constant(
      v["covariance"], dtype, shape=[width, width]))}
  return trace.analyze("covariance", name, [values], {"width": width}, source, outputs)


def covariance(x, dtype, name=None):
  """The population covariance matrix [n, n] of the rows of a dense [batch, n] Tensor (rows
  holding NaN are skipped), as `dtype`."""
  return _covariance(x, dtype, name or "covariance")["covariance"]


def pca(x, output_dim, dtype, name=None):
  """[n, output_dim]: the eigenvectors of x's covariance with the largest eigenvalues, largest
  first (as tensorflow_transform's pca); project with tf.matmul(x, pca(x, ...))."""
  result = _covariance(x, dtype, name or "pca")
  width = int(x.shape[1])
  if not 0 < output_dim <= width:
    raise ValueError("pca: output_dim must be in [1, %d], got %r" % (width, output_dim))
  if result.value is None:  # Pending: a stand-in that depends on the pending covariance.
    return tf.zeros([width, output_dim], dtype) * tf.reduce_sum(result["covariance"])
  if not result.value["count"]:  # No data: TFT's leading identity columns.
    return tf.constant(np.eye(width)[:, :output_dim], dtype)
  _, vectors = np.linalg.eigh(np.asarray(result.value["covariance"], np.float64))
  return tf.constant(vectors[:, ::-1][:, :output_dim], dtype)


def count_per_key(key, key_vocabulary_filename=None, name=None):
  """(keys, counts) of key's distinct values, or with key_vocabulary_filename the path of a
  "<count> <key>" file, as tensorflow_transform returns them."""
  if key_vocabulary_filename is not None:
    return vocabulary_outputs(key, name or "count_per_key", vocab_filename=key_vocabulary_filename,
                       store_frequency=True)["file"]
  result = vocabulary_outputs(key, name or "count_per_key", with_entries=True)
  if result.value is None:
    keys, counts = result["keys"], result["counts"]
  else:  # TFT's order: by key (as bytes).
    pairs = sorted(zip(result.value["keys"], result.value["counts"]), key=lambda p: _bytes(p[0]))
    keys = tf.constant([_bytes(k) for k, _ in pairs], tf.string, shape=[len(pairs)])
    counts = tf.constant([c for _, c in pairs], tf.int64, shape=[len(pairs)])
  if key.dtype != tf.string:  # Keys in their own dtype, as TFT returns them.
    keys = tf.strings.to_number(keys, key.dtype)
  return keys, counts


def per_key_moments(x, key, name, key_vocabulary_filename=None):
  """Moments of x per value of `key` (same shape as x): the keys file and float arrays."""
  trace, values, _ = _numeric_values(x, name)
  _, keys, _ = _string_values(key, name)
  out = _output_float_dtype(values.dtype)

  def vector(field, dtype):
    return Output(dtype, [None], lambda v: tf.constant(v[field], dtype, shape=[len(v[field])]))

  outputs = {"file": Output(tf.string, [], lambda v: trace.file(v["file"])),
             "size": Output(tf.int64, [], lambda v: tf.constant(v["size"], tf.int64))}
  for field in ("mean", "var", "min", "max"):
    outputs[field] = vector(field, out)
  outputs["count"] = vector("count", tf.int64)
  return trace.analyze("keyed_moments", name, [keys, values],
                       {"filename": key_vocabulary_filename}, None, outputs)


def _joined_boundaries(matrix):
  """TFT's _join_boundary_rows, in float32 as TFT computes it: each key's boundaries made
  strictly increasing, then scaled and shifted into [key id, key id + 1] and flattened with
  neighbouring keys sharing one boundary; (boundaries, scale per key, shift per key)."""
  matrix = np.asarray(matrix, np.float32).reshape(len(matrix), -1)
  if not len(matrix) or matrix.shape[1] == 0:
    return np.zeros([1], np.float32), np.ones([1], np.float32), np.zeros([1], np.float32)
  epsilon = np.float32(1e-6) * (matrix[:, -1:] - matrix[:, :1])
  epsilon[epsilon <= 0] = np.float32(1e-6)
  deltas = np.maximum(np.diff(matrix, axis=1), epsilon)
  matrix = np.insert(np.cumsum(deltas, axis=1) + matrix[:, :1], 0, matrix[:, 0], axis=1)
  low, high = matrix.min(axis=1), matrix.max(axis=1)
  spread = high - low
  scale = np.divide(np.float32(1), spread, out=np.ones_like(spread), where=spread != 0)
  shift = np.arange(scale.size, dtype=np.float32) - low * scale
  scaled = matrix[:, 1:] * scale[:, None] + shift[:, None]
  return np.insert(scaled.flatten(), 0, np.float32(0)), scale, shift


def per_key_quantiles(values, keys, weights, num_buckets, epsilon, name):
  """Each key's num_buckets - 1 quantile boundaries (TFT's _quantiles_per_key), as TFT's joined
  form: outputs file (the keys), boundaries, scale, shift."""
  trace, values, _ = _numeric_values(values, name)
  if keys.dtype != tf.string:
    raise ValueError("key must have type tf.string")
  weights = tf.ones_like(values, tf.float64) if weights is None else tf.cast(weights, tf.float64)

  def joined(part):
    return Output(tf.float32, [None], lambda v: tf.constant(
        _joined_boundaries(v["boundaries"])[part], tf.float32))

  outputs = {"file": Output(tf.string, [], lambda v: trace.file(v["file"])),
             "boundaries": joined(0), "scale": joined(1), "shift": joined(2)}
  params = {"num_buckets": num_buckets, "k": _sketch_k(epsilon, num_buckets), "filename": None}
  return trace.analyze("keyed_quantiles", name, [keys, values, weights], params, None, outputs)
