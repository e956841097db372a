"""Python wrappers of the transform ops in _tfx_core_ops.so."""

import os

import tensorflow as tf

from tfx_core import _build_info

_LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_tfx_core_ops.so")
if not os.path.exists(_LIBRARY):
  raise ImportError(
      "tfx_core's TensorFlow op library is missing at %s. From a source checkout run "
      "`tools/bootstrap.sh` and use Bazel targets, or install the wheel built by "
      "`tools/build_wheel.sh`." % _LIBRARY)
if tf.__version__ != _build_info.TF_VERSION:
  raise ImportError(
      "tfx_core's TensorFlow ops were built for TensorFlow %s but TensorFlow %s is installed; "
      "the op ABI differs between versions. Install tensorflow==%s (or tensorflow-cpu)."
      % (_build_info.TF_VERSION, tf.__version__, _build_info.TF_VERSION))
_ops = tf.load_op_library(_LIBRARY)


def map_values(fn, x):
  """Applies an element-wise fn to a Tensor, or to the values of a Sparse/RaggedTensor."""
  if isinstance(x, tf.SparseTensor):
    return tf.SparseTensor(x.indices, fn(x.values), x.dense_shape)
  if isinstance(x, tf.RaggedTensor):
    return x.with_flat_values(fn(x.flat_values))
  return fn(tf.convert_to_tensor(x))


_NARROW_INTEGERS = (tf.int8, tf.int16, tf.int32, tf.uint8, tf.uint16, tf.uint32)


def _widened(v):
  """Narrow integers as int64 (exact), which the kernels take, as TFT accepts them."""
  return tf.cast(v, tf.int64) if v.dtype in _NARROW_INTEGERS else v


def _param(value, dtype):
  """Python numbers become float64 first, so they round to `dtype` exactly as in C++."""
  if isinstance(value, (int, float)):
    return tf.constant(value, dtype)  # One constant, rounded from the double as C++ does.
  return tf.cast(tf.convert_to_tensor(value, dtype_hint=tf.float64), dtype)


def _scaled_dtype(x):
  return tf.float64 if x.dtype == tf.float64 else tf.float32


def scale_to_z_score(x, mean, stddev, name=None):
  """(x - mean) / stddev; float64 in -> float64 out, otherwise float32."""
  def fn(v):
    v = _widened(v)
    dtype = _scaled_dtype(v)
    return _ops.tfx_core_scale_to_z_score(
        v, _param(mean, dtype), _param(stddev, dtype), name=name)
  return map_values(fn, x)


def scale_to_0_1(x, min_value, max_value, name=None):
  """(x - min_value) / (max_value - min_value); requires max_value > min_value."""
  def fn(v):
    v = _widened(v)
    dtype = _scaled_dtype(v)
    return _ops.tfx_core_scale_to01(
        v, _param(min_value, dtype), _param(max_value, dtype), name=name)
  return map_values(fn, x)


def bucketize(x, boundaries, name=None):
  """int64 bucket ids: the number of boundaries <= x; NaN -> the last bucket, as in TFT."""
  def fn(v):
    return _ops.tfx_core_bucketize(_widened(v), _param(boundaries, tf.float64), name=name)
  return map_values(fn, x)


def apply_vocabulary(x, vocabulary_file, num_oov_buckets=0, default_value=-1,
                     store_frequency=False, name=None):
  """int64 ids of strings in a vocabulary file (one token per line, or "<frequency> <token>"
  lines with store_frequency).

  Pass a tf.saved_model.Asset as `vocabulary_file` inside a tf.Module so the file travels with
  the SavedModel. OOV strings go to num_oov_buckets hash buckets, or default_value if 0.
  """
  def fn(v):
    return _ops.tfx_core_apply_vocabulary(
        v, vocabulary_file, num_oov_buckets=num_oov_buckets, default_value=default_value,
        store_frequency=store_frequency, name=name)
  return map_values(fn, x)
