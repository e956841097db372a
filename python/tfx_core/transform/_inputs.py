"""Feature specs, and the conversions between Arrow columns and the tensors preprocessing_fn sees.

As in tensorflow_transform: a schema feature with a shape is a tf.io.FixedLenFeature (a dense
tensor [batch, *shape]); one without is a tf.io.VarLenFeature (a tf.SparseTensor
[batch, max_values]). INT is int64, FLOAT is float32, BYTES is string. Composite features are
made of other columns, as in TFT: a tf.io.SparseFeature (the schema's sparse_feature) of index
columns and a value column, each a list per row, gives a tf.SparseTensor [batch, *size]; a
tf.io.RaggedFeature (the schema's ragged tensor_representation) of a value column and
row-length or uniform-length partitions gives a tf.RaggedTensor. Conversions are columnar
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


def _representations(schema):
  group = schema.tensor_representation_group.get("")
  return dict(group.tensor_representation) if group is not None else {}


def feature_spec_from_schema(schema):
  """{name: FixedLenFeature | VarLenFeature | SparseFeature | RaggedFeature} for the schema's
  features (TFT's rules); the columns a composite feature is made of are not features."""
  spec, types, components = {}, {f.name: f for f in schema.feature}, set()

  def dtype_of(column, composite):
    if column not in types or types[column].type not in _DTYPES:
      raise ValueError("%s: its column '%s' is not an INT, FLOAT or BYTES feature of the schema"
                       % (composite, column))
    return _DTYPES[types[column].type]

  for sparse in schema.sparse_feature:
    indices = [i.name for i in sparse.index_feature]
    value = sparse.value_feature.name
    if sparse.HasField("dense_shape"):
      size = [d.size for d in sparse.dense_shape.dim]
    else:  # TFT's schemas give the size by the index features' int_domain.
      size = [types[i].int_domain.max + 1 if i in types and types[i].HasField("int_domain")
              else None for i in indices]
      if None in size:
        raise ValueError("sparse feature '%s': give dense_shape or an int_domain (max = size - "
                         "1) on each index feature" % sparse.name)
    spec[sparse.name] = tf.io.SparseFeature(
        indices if len(indices) > 1 else indices[0], value, dtype_of(value, sparse.name),
        size if len(size) > 1 else size[0], already_sorted=sparse.is_sorted)
    components.update(indices + [value])
  for name, representation in _representations(schema).items():
    if representation.WhichOneof("kind") != "ragged_tensor":
      continue
    ragged = representation.ragged_tensor
    value = ".".join(ragged.feature_path.step)
    partitions = []
    for partition in ragged.partition:
      if partition.WhichOneof("kind") == "uniform_row_length":
        partitions.append(tf.io.RaggedFeature.UniformRowLength(partition.uniform_row_length))
      else:
        partitions.append(tf.io.RaggedFeature.RowLengths(partition.row_length))
        components.add(partition.row_length)
    spec[name] = tf.io.RaggedFeature(
        dtype_of(value, name), value_key=value, partitions=partitions,
        row_splits_dtype=tf.int32 if ragged.row_partition_dtype == 2 else tf.int64)
    components.add(value)
  for feature in schema.feature:
    if feature.name in components:
      continue
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
  def set_domain(column, name):
    """The int_domain of output `name` (of its values' column, for a composite one)."""
    if int_domains and name in int_domains:
      low, high = int_domains[name]
      column.int_domain.min, column.int_domain.max = int(low), int(high)
      column.int_domain.is_categorical = True

  schema = schema_pb2.Schema()
  spec = dict(spec)
  for name in sorted(spec):
    feature = spec[name]
    if isinstance(feature, tf.io.SparseFeature):
      indices = _as_list(feature.index_key)
      sparse = schema.sparse_feature.add(name=name, is_sorted=feature.already_sorted)
      for index, size in zip(indices, _as_list(feature.size)):
        sparse.index_feature.add(name=index)
        column = schema.feature.add(name=index, type=schema_pb2.INT)
        if size is not None:
          column.int_domain.min, column.int_domain.max = 0, int(size) - 1
      sparse.value_feature.name = feature.value_key
      set_domain(schema.feature.add(name=feature.value_key, type=_SCHEMA_TYPES[feature.dtype]),
                 name)
      del spec[name]
    elif isinstance(feature, tf.io.RaggedFeature):
      value = feature.value_key or name
      ragged = schema.tensor_representation_group[""].tensor_representation[name].ragged_tensor
      ragged.feature_path.step.append(value)
      ragged.row_partition_dtype = 2 if feature.row_splits_dtype == tf.int32 else 1
      set_domain(schema.feature.add(name=value, type=_SCHEMA_TYPES[feature.dtype]), name)
      for partition in feature.partitions:
        if isinstance(partition, tf.io.RaggedFeature.UniformRowLength):
          ragged.partition.add(uniform_row_length=partition.length)
        elif isinstance(partition, tf.io.RaggedFeature.RowLengths):
          ragged.partition.add(row_length=partition.key)
          schema.feature.add(name=partition.key, type=schema_pb2.INT)
        else:
          raise ValueError("ragged feature '%s': partition %r is not supported (RowLengths and "
                           "UniformRowLength are)" % (name, partition))
      del spec[name]
  for name in sorted(spec):
    feature = schema.feature.add(name=name, type=_SCHEMA_TYPES[spec[name].dtype])
    if isinstance(spec[name], tf.io.FixedLenFeature):
      feature.presence.min_fraction = 1  # As TFT writes it (tfx_bsl requires it with a shape).
      feature.shape.SetInParent()
      for size in spec[name].shape:
        feature.shape.dim.add(size=size)
    set_domain(feature, name)
  return schema


class DatasetMetadata:
  """TFT's tft.DatasetMetadata: a dataset's schema (and the feature spec it stands for)."""

  def __init__(self, schema):
    self._schema = schema
    self._feature_spec = None

  @classmethod
  def from_feature_spec(cls, feature_spec, domains=None):
    """domains: {name: schema_pb2.IntDomain | FloatDomain | StringDomain}, as in TFT."""
    schema = schema_from_feature_spec(feature_spec)
    features = {f.name: f for f in schema.feature}
    for sparse in schema.sparse_feature:  # A composite's domain is its values'.
      features[sparse.name] = features[sparse.value_feature.name]
    for name, rep in _representations(schema).items():
      features[name] = features[".".join(rep.ragged_tensor.feature_path.step)]
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
  spec = columns_of(spec)
  for name in sorted(spec):
    feature = spec[name]
    value_type = pa.binary() if feature.dtype == tf.string else _ARROW_TYPES[feature.dtype]
    if isinstance(feature, tf.io.VarLenFeature) or feature.shape:
      value_type = pa.list_(value_type)
    fields.append(pa.field(name, value_type))
  return pa.schema(fields)


def _as_list(value):
  return list(value) if isinstance(value, (list, tuple)) else [value]


def type_spec(feature):
  """The tf.TypeSpec of a batch of `feature`."""
  if isinstance(feature, tf.io.FixedLenFeature):
    return tf.TensorSpec([None] + list(feature.shape), feature.dtype)
  if isinstance(feature, tf.io.VarLenFeature):
    return tf.SparseTensorSpec([None, None], feature.dtype)
  if isinstance(feature, tf.io.SparseFeature):
    return tf.SparseTensorSpec([None] + [int(s) for s in _as_list(feature.size)], feature.dtype)
  if isinstance(feature, tf.io.RaggedFeature):
    shape = [None, None] + [p.length if isinstance(p, tf.io.RaggedFeature.UniformRowLength)
                            else None for p in feature.partitions]
    return tf.RaggedTensorSpec(shape, feature.dtype, ragged_rank=len(shape) - 1,
                               row_splits_dtype=feature.row_splits_dtype)
  raise TypeError("unsupported feature spec %r (expected FixedLenFeature, VarLenFeature, "
                  "SparseFeature or RaggedFeature)" % (feature,))


def with_static_shape(tensor, feature):
  """A SparseFeature's SparseTensor whose dense_shape tensor spells out the known sizes, so its
  static shape [None, *size] survives ops such as tf.cast (as TFT's parsed inputs do)."""
  if not isinstance(feature, tf.io.SparseFeature):
    return tensor
  size = tf.constant([int(s) for s in _as_list(feature.size)], tf.int64)
  return tf.SparseTensor(tensor.indices, tensor.values,
                         tf.concat([tensor.dense_shape[:1], size], 0))


def is_columnar(feature):
  """Whether a feature is one column as is (not made of several, as composites are)."""
  return isinstance(feature, (tf.io.FixedLenFeature, tf.io.VarLenFeature))


def columns_of(spec):
  """{column: FixedLenFeature | VarLenFeature}: the columns the data holds for `spec` (a
  composite feature's index, value and row-length columns, as lists per row)."""
  columns = {}
  for name, feature in spec.items():
    if is_columnar(feature):
      columns[name] = feature
    elif isinstance(feature, tf.io.SparseFeature):
      for index in _as_list(feature.index_key):
        columns[index] = tf.io.VarLenFeature(tf.int64)
      columns[feature.value_key] = tf.io.VarLenFeature(feature.dtype)
    else:
      columns[feature.value_key or name] = tf.io.VarLenFeature(feature.dtype)
      for partition in feature.partitions:
        if isinstance(partition, tf.io.RaggedFeature.RowLengths):
          columns[partition.key] = tf.io.VarLenFeature(tf.int64)
  return columns


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
    elif isinstance(value, tf.compat.v1.ragged.RaggedTensorValue):
      tensors[name] = tf.RaggedTensor.from_nested_row_splits(
          tf.constant(value.flat_values, spec[name].dtype),
          [tf.constant(s) for s in value.nested_row_splits], validate=False)
    else:
      tensors[name] = tf.constant(value, spec[name].dtype)
  return tensors


def to_numpy(batch, spec, where="input"):
  """{name: ndarray | SparseTensorValue} for a pyarrow RecordBatch or Table."""
  num_rows = batch.num_rows
  tensors = {}
  for name, feature in spec.items():
    if isinstance(feature, tf.io.SparseFeature):
      tensors[name] = _sparse_feature(batch, name, feature, where)
      continue
    if isinstance(feature, tf.io.RaggedFeature):
      tensors[name] = _ragged_feature(batch, name, feature, where)
      continue
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


def _sparse_feature(batch, name, feature, where):
  """A SparseFeature's SparseTensorValue from its index and value columns (lists per row)."""
  values, lengths = column_values(batch, feature.value_key, tf.io.VarLenFeature(feature.dtype),
                                  where)
  rows = np.repeat(np.arange(batch.num_rows, dtype=np.int64), lengths)
  sizes = [int(s) for s in _as_list(feature.size)]
  columns = []
  for key, size in zip(_as_list(feature.index_key), sizes):
    index, index_lengths = column_values(batch, key, tf.io.VarLenFeature(tf.int64), where)
    if (index_lengths != lengths).any():
      row = int(np.argmax(index_lengths != lengths))
      raise ValueError("%s: sparse feature '%s': row %d has %d values in '%s' but %d indices in "
                       "'%s'" % (where, name, row, lengths[row], feature.value_key,
                                 index_lengths[row], key))
    index = index.to_numpy(zero_copy_only=False).astype(np.int64)
    bad = (index < 0) | (index >= size)
    if bad.any():
      at = int(np.argmax(bad))
      raise ValueError("%s: sparse feature '%s': index %d in '%s' (row %d) is outside [0, %d)"
                       % (where, name, index[at], key, rows[at], size))
    columns.append(index)
  values = values.to_numpy(zero_copy_only=False)
  if not feature.already_sorted and len(rows):  # Row-major order, as TensorFlow needs.
    order = np.lexsort(tuple(reversed([rows] + columns)))
    rows, columns, values = rows[order], [c[order] for c in columns], values[order]
  indices = np.stack([rows] + columns, axis=1).reshape(-1, 1 + len(columns))
  return tf.compat.v1.SparseTensorValue(indices, values,
                                        np.array([batch.num_rows] + sizes, np.int64))


def _ragged_feature(batch, name, feature, where):
  """A RaggedFeature's RaggedTensorValue from its value column and row-length columns."""
  value_key = feature.value_key or name
  values, counts = column_values(batch, value_key, tf.io.VarLenFeature(feature.dtype), where)
  nested_lengths = []  # Innermost first.
  for partition in reversed(feature.partitions):
    if isinstance(partition, tf.io.RaggedFeature.UniformRowLength):
      n = int(partition.length)
      if (counts % n).any():
        row = int(np.argmax(counts % n))
        raise ValueError("%s: ragged feature '%s': row %d has %d values, not a multiple of the "
                         "uniform row length %d" % (where, name, row, counts[row], n))
      lengths, counts = np.full(int(counts.sum()) // n, n, np.int64), counts // n
    else:
      lengths, row_counts = column_values(batch, partition.key, tf.io.VarLenFeature(tf.int64),
                                          where)
      lengths = lengths.to_numpy(zero_copy_only=False).astype(np.int64)
      total = np.concatenate([[0], np.cumsum(lengths)])
      ends = np.cumsum(row_counts)
      sums = total[ends] - total[ends - row_counts]
      if (sums != counts).any():
        row = int(np.argmax(sums != counts))
        raise ValueError("%s: ragged feature '%s': row %d's lengths in '%s' add up to %d, but "
                         "it has %d values" % (where, name, row, partition.key, sums[row],
                                               counts[row]))
      counts = row_counts
    nested_lengths.append(lengths)
  nested_lengths.append(counts)  # The batch dimension: rows of the outermost level per row.
  splits_dtype = np.int32 if feature.row_splits_dtype == tf.int32 else np.int64
  value = values.to_numpy(zero_copy_only=False)
  for lengths in nested_lengths:
    value = tf.compat.v1.ragged.RaggedTensorValue(
        value, np.concatenate([[0], np.cumsum(lengths)]).astype(splits_dtype))
  return value


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


# TFT's column names for the parts of a composite output.
SPARSE_VALUES = "{}$sparse_values"
SPARSE_INDICES = "{}$sparse_indices_{}"
RAGGED_VALUES = "{}$ragged_values"
ROW_LENGTHS = "{}$row_lengths_{}"


def sparse_output_feature(name, sparse):
  """TFT's feature for a SparseTensor output: a VarLenFeature for [batch, n], else a
  SparseFeature of index and value columns named as TFT names them."""
  shape = sparse.shape
  if shape.rank is not None and shape.rank <= 2:
    return tf.io.VarLenFeature(sparse.dtype)
  return tf.io.SparseFeature([SPARSE_INDICES.format(name, i) for i in range(shape.rank - 1)],
                             SPARSE_VALUES.format(name), sparse.dtype, shape[1:].as_list(),
                             already_sorted=True)


def ragged_output_feature(name, ragged):
  """TFT's RaggedFeature for a RaggedTensor output: its values and row-length columns."""
  partitions, index = [], 1
  for dim in ragged.values.shape[1:]:
    if dim is not None:
      partitions.append(tf.io.RaggedFeature.UniformRowLength(dim))
    else:
      partitions.append(tf.io.RaggedFeature.RowLengths(ROW_LENGTHS.format(name, index)))
      index += 1
  return tf.io.RaggedFeature(ragged.dtype, value_key=RAGGED_VALUES.format(name),
                             partitions=partitions, row_splits_dtype=ragged.row_splits.dtype)


def _sparse_columns(name, value, num_rows, columns):
  indices = np.asarray(value.indices)
  counts = np.bincount(indices[:, 0], minlength=num_rows) if len(indices) else \
      np.zeros(num_rows, np.int64)
  offsets = _offsets(counts)
  values = _arrow_values(np.asarray(value.values))
  if len(value.dense_shape) <= 2:  # Rows are the first index, in row-major order.
    columns[name] = pa.ListArray.from_arrays(offsets, values)
    return
  for i in range(1, indices.shape[1]):
    columns[SPARSE_INDICES.format(name, i - 1)] = pa.ListArray.from_arrays(
        offsets, pa.array(indices[:, i].astype(np.int64)))
  columns[SPARSE_VALUES.format(name)] = pa.ListArray.from_arrays(offsets, values)


def _ragged_columns(name, value, columns):
  """The values of each row, and for each ragged dimension after the first the lengths of its
  rows within each row (TFT's ragged output columns)."""
  splits = [np.asarray(value.row_splits)]
  inner = value.values
  while isinstance(inner, tf.compat.v1.ragged.RaggedTensorValue):
    splits.append(np.asarray(inner.row_splits))
    inner = inner.values
  flat = np.asarray(inner)
  width = int(np.prod(flat.shape[1:])) if flat.ndim > 1 else 1  # Uniform inner dimensions.
  reach = splits[0]  # Row r's items at the current level: reach[r] .. reach[r + 1].
  for level, level_splits in enumerate(splits[1:], start=1):
    columns[ROW_LENGTHS.format(name, level)] = pa.ListArray.from_arrays(
        reach.astype(np.int32), pa.array(np.diff(level_splits).astype(np.int64)))
    reach = level_splits[reach]
  columns[RAGGED_VALUES.format(name)] = pa.ListArray.from_arrays(
      (reach * width).astype(np.int32), _arrow_values(flat.reshape(-1)))


def to_arrow(outputs, num_rows):
  """A pyarrow Table of evaluated outputs (numpy arrays, tf.compat.v1.SparseTensorValue or
  RaggedTensorValue): dense [n] -> a scalar column, dense [n, k] -> lists of k values, sparse
  [n, m] -> lists; sparse of higher rank and ragged -> TFT's component columns."""
  columns = {}
  for name in sorted(outputs):
    value = outputs[name]
    if hasattr(value, "indices"):
      _sparse_columns(name, value, num_rows, columns)
      continue
    if isinstance(value, tf.compat.v1.ragged.RaggedTensorValue):
      _ragged_columns(name, value, columns)
      continue
    value = np.asarray(value)
    if value.ndim == 0 or value.shape[0] != num_rows:
      raise ValueError("output '%s' has shape %s; outputs must have one row per input row (%d)"
                       % (name, list(value.shape), num_rows))
    flat = _arrow_values(value.reshape(-1))
    columns[name] = flat if value.ndim == 1 else _fixed_lists(flat, num_rows, value.shape[1:])
  return pa.table({k: columns[k] for k in sorted(columns)})


def _arrow_values(values):
  if values.dtype == object:  # TensorFlow strings are bytes, UTF-8 or not.
    return pa.array(values, pa.binary())
  return pa.array(values)
