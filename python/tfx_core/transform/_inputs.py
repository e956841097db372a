"""Feature specs, and the conversions between Arrow columns and the tensors preprocessing_fn sees.

As in tensorflow_transform: a schema feature with a shape is a tf.io.FixedLenFeature (a dense
tensor [batch, *shape]); one without is a tf.io.VarLenFeature (a tf.SparseTensor
[batch, max_values]). INT is int64, FLOAT is float32, BYTES is string. Conversions are columnar
(numpy and Arrow kernels); nothing loops over rows in Python.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import tensorflow as tf

from tfx_core.proto import schema_pb2

_DTYPES = {schema_pb2.INT: tf.int64, schema_pb2.FLOAT: tf.float32, schema_pb2.BYTES: tf.string}
_SCHEMA_TYPES = {tf.int64: schema_pb2.INT, tf.float32: schema_pb2.FLOAT,
                 tf.float64: schema_pb2.FLOAT, tf.string: schema_pb2.BYTES}
_ARROW_TYPES = {tf.int64: pa.int64(), tf.float32: pa.float32(), tf.float64: pa.float64()}


def feature_spec_from_schema(schema):
  """{name: FixedLenFeature | VarLenFeature} for the schema's features (TFT's rules)."""
  spec = {}
  for feature in schema.feature:
    if feature.type not in _DTYPES:
      raise ValueError("feature '%s': schema type %s has no tensor type (expected INT, FLOAT or "
                       "BYTES)" % (feature.name, schema_pb2.FeatureType.Name(feature.type)))
    dtype = _DTYPES[feature.type]
    if feature.HasField("shape"):
      spec[feature.name] = tf.io.FixedLenFeature([d.size for d in feature.shape.dim], dtype)
    else:
      spec[feature.name] = tf.io.VarLenFeature(dtype)
  return spec


def schema_from_feature_spec(spec, int_domains=None):
  """The schema that feature_spec_from_schema maps back to `spec`; int_domains ({name: (min,
  max)}) marks integer features as categorical with that range, as TFT's schemas do."""
  schema = schema_pb2.Schema()
  for name in sorted(spec):
    feature = schema.feature.add(name=name, type=_SCHEMA_TYPES[spec[name].dtype])
    if isinstance(spec[name], tf.io.FixedLenFeature):
      feature.shape.SetInParent()
      for size in spec[name].shape:
        feature.shape.dim.add(size=size)
    if int_domains and name in int_domains:
      low, high = int_domains[name]
      feature.int_domain.min, feature.int_domain.max = int(low), int(high)
      feature.int_domain.is_categorical = True
  return schema


class DatasetMetadata:
  """TFT's tft.DatasetMetadata: a dataset's schema (and the feature spec it stands for)."""

  def __init__(self, schema):
    self._schema = schema
    self._feature_spec = None

  @classmethod
  def from_feature_spec(cls, feature_spec, domains=None):
    """domains: {name: schema_pb2.IntDomain | FloatDomain | StringDomain}, as in TFT."""
    schema = schema_from_feature_spec(
        {k: v for k, v in feature_spec.items()
         if isinstance(v, (tf.io.FixedLenFeature, tf.io.VarLenFeature))})
    features = {f.name: f for f in schema.feature}
    for name, domain in (domains or {}).items():
      field = {schema_pb2.IntDomain: "int_domain", schema_pb2.FloatDomain: "float_domain",
               schema_pb2.StringDomain: "string_domain"}.get(type(domain))
      if field is None or name not in features:
        raise ValueError("domain of %r: expected an IntDomain, FloatDomain or StringDomain of a "
                         "feature of the spec, got %r" % (name, domain))
      getattr(features[name], field).CopyFrom(domain)
    metadata = cls(schema)
    metadata._feature_spec = dict(feature_spec)
    return metadata

  @property
  def schema(self):
    return self._schema

  @property
  def feature_spec(self):
    if self._feature_spec is None:
      self._feature_spec = feature_spec_from_schema(self._schema)
    return dict(self._feature_spec)


def arrow_schema(spec):
  """The Arrow schema of to_arrow's tables for outputs described by `spec`."""
  fields = []
  for name in sorted(spec):
    feature = spec[name]
    value_type = pa.binary() if feature.dtype == tf.string else _ARROW_TYPES[feature.dtype]
    if isinstance(feature, tf.io.VarLenFeature) or feature.shape:
      value_type = pa.list_(value_type)
    fields.append(pa.field(name, value_type))
  return pa.schema(fields)


def type_spec(feature):
  """The tf.TypeSpec of a batch of `feature`."""
  if isinstance(feature, tf.io.FixedLenFeature):
    return tf.TensorSpec([None] + list(feature.shape), feature.dtype)
  if isinstance(feature, tf.io.VarLenFeature):
    return tf.SparseTensorSpec([None, None], feature.dtype)
  raise TypeError("unsupported feature spec %r (expected FixedLenFeature or VarLenFeature)"
                  % (feature,))


def _column(batch, name, where):
  index = batch.schema.get_field_index(name)
  if index < 0:
    raise ValueError("%s: feature '%s' is missing; the data has %s" % (
        where, name, ", ".join(batch.schema.names)))
  column = batch.column(index)
  return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _is_list(array):
  return pa.types.is_list(array.type) or pa.types.is_large_list(array.type)


def _check_type(array, dtype, name, where):
  if dtype == tf.string:
    if not (pa.types.is_string(array.type) or pa.types.is_binary(array.type)
            or pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
            or pa.types.is_null(array.type)):
      raise ValueError("%s: feature '%s' should hold strings (schema BYTES) but holds %s" % (
          where, name, array.type))
  elif not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
            or pa.types.is_null(array.type)):
    raise ValueError("%s: feature '%s' should be numeric (%s) but holds %s" % (
        where, name, dtype.name, array.type))
  elif dtype == tf.int64 and pa.types.is_floating(array.type):
    raise ValueError("%s: feature '%s' should hold integers (schema INT) but holds %s" % (
        where, name, array.type))


def _first(mask):
  return pc.index(mask, True).as_py()


def column_values(batch, name, feature, where="input"):
  """(values, lengths): a feature's values, flat, typed as its tensor is (an Arrow array, no
  nulls), and the number of values in each row (None for a dense feature of shape []).

  The one place raw columns are checked: a missing value of a FixedLenFeature, a null inside a
  list, a list of the wrong length for the shape, or the wrong type is an error naming the
  feature and the row.
  """
  array = _column(batch, name, where)
  fixed = isinstance(feature, tf.io.FixedLenFeature)
  if fixed and array.null_count:
    raise ValueError("%s: feature '%s' is missing in row %d, but the schema gives it a shape "
                     "(FixedLenFeature: a value in every row); drop the shape to make it a "
                     "VarLenFeature (SparseTensor)" % (where, name, _first(array.is_null())))
  if _is_list(array):
    lengths = array.value_lengths().fill_null(0).to_numpy().astype(np.int64)
    values = array.flatten()
    if values.null_count:
      row = pc.list_parent_indices(array)[_first(values.is_null())].as_py()
      raise ValueError("%s: feature '%s' has a missing value inside the list of row %d; lists "
                       "must hold values only" % (where, name, row))
  elif fixed:
    lengths, values = None, array  # One value per row, checked against the shape below.
  else:
    lengths = array.is_valid().to_numpy(zero_copy_only=False).astype(np.int64)
    values = array.drop_null()  # A VarLen feature's missing values are absent, not null.
  if fixed:
    width = int(np.prod(feature.shape))
    if lengths is None and width != 1:
      raise ValueError("%s: feature '%s' has one value per row, but its shape %s needs %d" % (
          where, name, list(feature.shape), width))
    if lengths is not None and len(lengths) and (lengths != width).any():
      row = int(np.argmax(lengths != width))
      raise ValueError("%s: feature '%s' has %d values in row %d, but its shape %s needs %d" % (
          where, name, lengths[row], row, list(feature.shape), width))
    if not feature.shape:
      lengths = None
    elif lengths is None:
      lengths = np.ones(len(array), np.int64)
  _check_type(values, feature.dtype, name, where)
  target = pa.string() if feature.dtype == tf.string and pa.types.is_null(values.type) else \
      _ARROW_TYPES.get(feature.dtype)
  return (values.cast(target) if target is not None else values), lengths


def to_tensors(batch, spec, where="input"):
  """{name: Tensor | SparseTensor} for a pyarrow RecordBatch or Table, per the feature spec."""
  tensors = {}
  for name, value in to_numpy(batch, spec, where).items():
    if isinstance(value, tf.compat.v1.SparseTensorValue):
      tensors[name] = tf.SparseTensor(tf.constant(value.indices), tf.constant(
          value.values, spec[name].dtype), tf.constant(value.dense_shape))
    else:
      tensors[name] = tf.constant(value, spec[name].dtype)
  return tensors


def to_numpy(batch, spec, where="input"):
  """{name: ndarray | SparseTensorValue} for a pyarrow RecordBatch or Table."""
  num_rows = batch.num_rows
  tensors = {}
  for name, feature in spec.items():
    values, lengths = column_values(batch, name, feature, where)
    values = values.to_numpy(zero_copy_only=False)
    if isinstance(feature, tf.io.FixedLenFeature):
      tensors[name] = values.reshape([num_rows] + list(feature.shape))
      continue
    rows = np.repeat(np.arange(num_rows, dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    columns = np.arange(len(rows), dtype=np.int64) - starts
    width = int(lengths.max()) if num_rows else 0
    tensors[name] = tf.compat.v1.SparseTensorValue(
        np.stack([rows, columns], axis=1).reshape(-1, 2), values,
        np.array([num_rows, width], np.int64))
  return tensors


def with_structure(values, lengths, feature):
  """Mapped flat values (of column_values) shaped as to_arrow gives the same output."""
  if lengths is None:
    return values
  if isinstance(feature, tf.io.FixedLenFeature):
    return _fixed_lists(values, len(lengths), feature.shape)
  return pa.ListArray.from_arrays(_offsets(lengths), values)


def _fixed_lists(values, num_rows, shape):
  """Rows of prod(shape) values as a list column (lists of one length: every reader takes
  them, and they round-trip through Parquet as TFT's dense features do)."""
  width = int(np.prod(shape))
  return pa.ListArray.from_arrays(np.arange(num_rows + 1, dtype=np.int32) * width, values)


def _offsets(lengths):
  return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)


def to_arrow(outputs, num_rows):
  """A pyarrow Table of evaluated outputs (numpy arrays or tf.compat.v1.SparseTensorValue):
  dense [n] -> a scalar column, dense [n, k] -> lists of k values, sparse -> lists."""
  columns = {}
  for name in sorted(outputs):
    value = outputs[name]
    if hasattr(value, "indices"):  # Sparse: rows are the first index, in row-major order.
      indices = np.asarray(value.indices)
      counts = np.bincount(indices[:, 0], minlength=num_rows) if len(indices) else \
          np.zeros(num_rows, np.int64)
      columns[name] = pa.ListArray.from_arrays(_offsets(counts),
                                               _arrow_values(np.asarray(value.values)))
      continue
    value = np.asarray(value)
    if value.ndim == 0 or value.shape[0] != num_rows:
      raise ValueError("output '%s' has shape %s; outputs must have one row per input row (%d)"
                       % (name, list(value.shape), num_rows))
    flat = _arrow_values(value.reshape(-1))
    columns[name] = flat if value.ndim == 1 else _fixed_lists(flat, num_rows, value.shape[1:])
  return pa.table(columns)


def _arrow_values(values):
  if values.dtype == object:  # TensorFlow strings are bytes, UTF-8 or not.
    return pa.array(values, pa.binary())
  return pa.array(values)
