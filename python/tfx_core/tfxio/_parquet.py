"""Training input from Parquet examples: Arrow record batches and tf.data Datasets.

Rows are read by row group (Arrow's C++ reader) and batched, shuffled and typed by columnar
operations: Python runs once per batch, never per row. A shuffled epoch visits the row groups
of every file in a seeded random order and permutes rows within a window of at least
shuffle_buffer_size rows, so memory stays bounded by that window (plus one row group and the
prefetched batches) whatever the data's size, and a shuffle_seed makes the order repeatable.
"""

import glob
import os
from collections import OrderedDict

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# Parquet files kept open at once (their footers parsed) while reading row groups.
_OPEN_FILES = 16
# Rows converted from Arrow at a time by tf_dataset (about 10 MB for twenty numeric features).
_CHUNK_ROWS = 65536
# Iterations of one tf_dataset whose reading state is kept (see _Streams).
_LIVE_STREAMS = 16


def _files(file_patterns):
  if isinstance(file_patterns, str):
    file_patterns = [file_patterns]
  files = set()
  for pattern in file_patterns:
    files.update(f for f in glob.glob(pattern)
                 if os.path.isfile(f) and not os.path.basename(f).startswith("."))
  if not files:
    raise ValueError("no example files match %s" % ", ".join(file_patterns))
  return sorted(files)


class _RowGroups:
  """The (file, row group, first row, rows) units of a set of Parquet files, read one at a
  time."""

  def __init__(self, file_patterns, columns):
    self._columns = columns
    self._open = OrderedDict()
    self.units = []
    for path in _files(file_patterns):
      metadata = self._file(path).metadata
      self.units += [(path, i, 0, metadata.row_group(i).num_rows)
                     for i in range(metadata.num_row_groups) if metadata.row_group(i).num_rows]
      if columns is not None:
        names = set(self._file(path).schema_arrow.names)
        missing = [c for c in columns if c not in names]
        if missing:
          raise ValueError("%s: feature(s) %s missing; the file has %s" % (
              path, ", ".join(missing), ", ".join(sorted(names))))

  @property
  def num_rows(self):
    return sum(unit[3] for unit in self.units)

  def shard(self, index, count):
    """Keeps the index-th of `count` disjoint shares of the rows, contiguous and equal to a
    row: a worker reads only the row groups its share touches."""
    total = self.num_rows
    start, stop = total * index // count, total * (index + 1) // count
    kept, at = [], 0
    for path, group, first, rows in self.units:
      low, high = max(start, at), min(stop, at + rows)
      if high > low:
        kept.append((path, group, first + low - at, high - low))
      at += rows
    self.units = kept

  def _file(self, path):
    handle = self._open.pop(path, None)
    if handle is None:
      try:
        handle = pq.ParquetFile(path)
      except (pa.ArrowInvalid, OSError) as e:
        raise ValueError("%s is not a Parquet examples file: %s" % (path, e)) from e
      while len(self._open) >= _OPEN_FILES:
        self._open.popitem(last=False)
    self._open[path] = handle
    return handle

  def read(self, unit):
    path, group, first, rows = unit
    table = self._file(path).read_row_group(group, columns=self._columns)
    return table if rows == table.num_rows else table.slice(first, rows)


def _epochs(row_groups, options, iteration=0):
  """Tables of rows, epoch after epoch, shuffled as the options say (a seeded order differs
  with each iteration over the same dataset, and repeats with it)."""
  rng = np.random.default_rng(None if options.shuffle_seed is None
                              else [options.shuffle_seed, iteration])
  epoch = 0
  while options.num_epochs is None or epoch < options.num_epochs:
    epoch += 1
    if not options.shuffle:
      for unit in row_groups.units:
        yield row_groups.read(unit)
      continue
    window, rows = [], 0
    for i in rng.permutation(len(row_groups.units)):
      table = row_groups.read(row_groups.units[i])
      window.append(table)
      rows += table.num_rows
      if rows >= options.shuffle_buffer_size:
        yield _shuffled(window, rng)
        window, rows = [], 0
    if window:
      yield _shuffled(window, rng)


def _shuffled(tables, rng):
  table = pa.concat_tables(tables)
  return table.take(pa.array(rng.permutation(table.num_rows)))


def _check(options):
  if options.batch_size <= 0:
    raise ValueError("batch_size must be > 0, got %d" % options.batch_size)
  if options.num_epochs is not None and options.num_epochs <= 0:
    raise ValueError("num_epochs must be > 0 (or None: repeat forever), got %d" %
                     options.num_epochs)


def _num_batches(num_rows, options):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if options.num_epochs is None:
    return tf.data.INFINITE_CARDINALITY
  rows = num_rows * options.num_epochs
  if options.drop_final_batch:
    return rows // options.batch_size
  return -(-rows // options.batch_size)  # Rounded up: the last batch is shorter.


def _batches(tables, batch_size, drop_final_batch):
  """Record batches of exactly batch_size rows cut from a stream of tables (the last shorter,
  unless dropped)."""
  pending, rows = [], 0
  for table in tables:
    pending.append(table)
    rows += table.num_rows
    if rows < batch_size:
      continue
    merged = pa.concat_tables(pending).combine_chunks()
    start = 0
    while rows - start >= batch_size:
      yield merged.slice(start, batch_size).to_batches()[0]
      start += batch_size
    pending, rows = [merged.slice(start)], rows - start
  if rows and not drop_final_batch:
    merged = pa.concat_tables(pending).combine_chunks()
    yield merged.to_batches()[0]


def record_batches(file_patterns, options, schema=None, columns=None):
  """Arrow RecordBatches of options.batch_size rows of the Parquet files matching
  file_patterns (a pattern or a list), as tfx_bsl's record_batch_factory yields them. With a
  schema, only its features' columns are read."""
  _check(options)
  if columns is None and schema is not None:
    from tfx_core.transform import _inputs  # pylint: disable=import-outside-toplevel
    columns = sorted(_inputs.columns_of(_inputs.feature_spec_from_schema(schema)))
  return _batches(_epochs(_row_groups(file_patterns, columns), options), options.batch_size,
                  options.drop_final_batch)


def _row_groups(file_patterns, columns):
  row_groups = _RowGroups(file_patterns, columns)
  if not row_groups.units:
    raise ValueError("the example files matching %s hold no rows" % ", ".join(
        [file_patterns] if isinstance(file_patterns, str) else file_patterns))
  return row_groups


def tf_dataset(file_patterns, options, schema, input_context=None):
  """A tf.data.Dataset of batches of the Parquet examples: {name: Tensor | SparseTensor |
  RaggedTensor} as the schema's feature spec says (TFT's transformed schema, or a raw one), or
  (features, label) when options.label_key is set, as tfx_bsl's tf_dataset_factory gives.

  With a tf.distribute.InputContext (from strategy.distribute_datasets_from_function), the
  dataset reads only its input pipeline's share of the rows: the shares are disjoint and
  together hold every row.

  Python converts a chunk of _CHUNK_ROWS rows at a time to flat numpy columns; tf.data cuts
  the chunk's batches (dense columns by from_tensor_slices, sparse and ragged ones by a
  parallel map of slices), so Python never runs per batch."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  from tfx_core.transform import _inputs  # pylint: disable=import-outside-toplevel
  _check(options)
  if schema is None:
    raise ValueError("tf_dataset_factory needs a schema (the Trainer's schema input, or "
                     "TFTransformOutput.transformed_metadata.schema)")
  spec = _inputs.feature_spec_from_schema(schema)
  label_key = options.label_key
  if label_key is not None and label_key not in spec:
    raise ValueError("label_key %r is not a feature of the schema; it has %s" % (
        label_key, ", ".join(sorted(spec))))
  names = sorted(spec)
  row_groups = _row_groups(file_patterns, sorted(_inputs.columns_of(spec)))
  if input_context is not None and input_context.num_input_pipelines > 1:
    row_groups.shard(input_context.input_pipeline_id, input_context.num_input_pipelines)
    if not row_groups.units:
      raise ValueError("the example files matching %s hold too few rows to give each of %d "
                       "input pipelines some" % (", ".join(_files(file_patterns)),
                                                 input_context.num_input_pipelines))
  size = options.batch_size
  # No more than an epoch (rounded to batches): the first batch of a small dataset comes fast.
  chunk_rows = size * max(1, min(_CHUNK_ROWS, row_groups.num_rows) // size)
  iterations = iter(range(1 << 62))

  def chunks():
    tables = _epochs(row_groups, options, next(iterations))
    for record_batch in _batches(tables, chunk_rows, False):  # Batches are dropped by count.
      values = _inputs.to_numpy(record_batch, spec, "training examples")
      yield (np.int64(record_batch.num_rows),) + tuple(
          c for name in names
          for c in _chunk_components(values[name], record_batch.num_rows, size))

  signature = (tf.TensorSpec([], tf.int64),) + tuple(
      s for name in names for s in _chunk_specs(spec[name], size))

  dense = [n for n in names if isinstance(spec[n], tf.io.FixedLenFeature)]
  composite = [n for n in names if n not in dense]

  def structure(features):
    return features if label_key is None else (
        {k: v for k, v in features.items() if k != label_key}, features[label_key])

  plain = tf.autograph.experimental.do_not_convert  # Plain TF ops: no autograph's conversion.

  @plain
  def batches_of(rows, *parts):
    """A chunk's batches: dense features sliced by tf.data itself (from_tensor_slices over
    their [batches, size, ...] parts), composite ones by a map over the batches."""
    at, columns = 0, {}
    for name in names:
      n = len(_chunk_specs(spec[name], size))
      columns[name], at = parts[at:at + n], at + n
    full = rows // size
    count = full if options.drop_final_batch else (rows + size - 1) // size

    def dense_batches(wrap):
      head = tf.data.Dataset.from_tensor_slices(wrap({n: columns[n][0] for n in dense}))
      if options.drop_final_batch:
        return head
      tail = tf.data.Dataset.from_tensors(wrap({n: columns[n][1] for n in dense}))
      return head.concatenate(tail.take(count - full))  # The last, shorter batch, if any.

    def composite_batches(wrap):
      return tf.data.Dataset.range(count).map(plain(
          lambda i: wrap({n: _batch_of(spec[n], columns[n], i * size,
                                       tf.minimum((i + 1) * size, rows)) for n in composite})),
          num_parallel_calls=options.parser_num_threads,
          deterministic=not options.sloppy_ordering)

    if not composite:
      return dense_batches(structure)
    if not dense:
      return composite_batches(structure)
    return tf.data.Dataset.zip((dense_batches(dict), composite_batches(dict))).map(plain(
        lambda a, b: structure({**a, **b})))

  dataset = _chunk_dataset(chunks, signature, None if options.num_epochs is None else -(
      -row_groups.num_rows * options.num_epochs // chunk_rows)).prefetch(1)
  dataset = dataset.flat_map(batches_of)
  # Known from the files' footers: Keras then knows where an epoch ends (progress, and no
  # "ran out of data" warning from evaluate).
  dataset = dataset.apply(tf.data.experimental.assert_cardinality(
      _num_batches(row_groups.num_rows, options)))
  return dataset.prefetch(options.prefetch_buffer_size)


class _Streams:
  """The chunk generators of a dataset's live iterations, by key (at most _LIVE_STREAMS: an
  iteration abandoned early is dropped when a newer one needs the room)."""

  def __init__(self, chunks):
    self._chunks, self._live, self._keys = chunks, OrderedDict(), iter(range(1 << 62))

  def start(self):
    key = next(self._keys)
    self._live[key] = self._chunks()
    while len(self._live) > _LIVE_STREAMS:
      self._live.popitem(last=False)
    return np.int64(key)

  def next(self, key):
    stream = self._live[int(key)]
    try:
      return next(stream)
    except StopIteration:
      del self._live[int(key)]
      raise


def _chunk_dataset(chunks, signature, count):
  """The chunks as a tf.data.Dataset, each iteration reading a fresh chunks() generator through
  tf.numpy_function (a quarter of from_generator's cost per chunk: no per-element checks and
  conversions); `count` chunks per iteration, or forever when None."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  streams = _Streams(chunks)
  dtypes = [spec.dtype for spec in signature]
  plain = tf.autograph.experimental.do_not_convert

  @plain
  def read(key):
    parts = tf.numpy_function(streams.next, [key], dtypes, stateful=True)
    for part, spec in zip(parts, signature):
      part.set_shape(spec.shape)
    return tuple(parts)

  @plain
  def stream(key):
    steps = tf.data.Dataset.range(count) if count is not None else tf.data.Dataset.counter()
    return steps.map(plain(lambda _: read(key)))

  return tf.data.Dataset.from_tensors(np.int64(0)).map(plain(
      lambda _: tf.numpy_function(streams.start, [], tf.int64, stateful=True))).flat_map(stream)


def _chunk_specs(feature, batch_size):
  """The flat parts a feature has in a chunk: a dense one's full batches [batches, size, ...]
  and the rows after them; values, row_splits and each value's other coordinates of a sparse
  one; flat values and nested row_splits of a ragged one."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if isinstance(feature, tf.io.FixedLenFeature):
    shape = list(feature.shape)
    return (tf.TensorSpec([None, batch_size] + shape, feature.dtype),
            tf.TensorSpec([None] + shape, feature.dtype))
  if isinstance(feature, (tf.io.VarLenFeature, tf.io.SparseFeature)):
    rank = 2 if isinstance(feature, tf.io.VarLenFeature) else 1 + len(
        feature.size if isinstance(feature.size, (list, tuple)) else [feature.size])
    return (tf.TensorSpec([None], feature.dtype), tf.TensorSpec([None], tf.int64),
            tf.TensorSpec([None, rank - 1], tf.int64))
  splits = (tf.TensorSpec([None], feature.row_splits_dtype),) * (len(feature.partitions) + 1)
  return (tf.TensorSpec([None], feature.dtype),) + splits


def _chunk_components(value, rows, batch_size):
  """A feature's numpy parts in a chunk of `rows` rows, as _chunk_specs describes them."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if isinstance(value, tf.compat.v1.SparseTensorValue):  # Row-major: each row's values in a run.
    splits = np.zeros(rows + 1, np.int64)
    np.cumsum(np.bincount(value.indices[:, 0], minlength=rows), out=splits[1:])
    return value.values, splits, np.ascontiguousarray(value.indices[:, 1:])
  if isinstance(value, tf.compat.v1.ragged.RaggedTensorValue):
    splits = []
    while isinstance(value, tf.compat.v1.ragged.RaggedTensorValue):
      splits.append(value.row_splits)
      value = value.values
    return (value,) + tuple(splits)
  full = rows // batch_size * batch_size
  return (value[:full].reshape((-1, batch_size) + value.shape[1:]), value[full:])


def _batch_of(feature, parts, start, stop):
  """Rows [start, stop) of a sparse or ragged feature from its chunk's parts, as the feature
  spec's tensor."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if isinstance(feature, (tf.io.VarLenFeature, tf.io.SparseFeature)):
    values, splits, coordinates = parts
    first, last = splits[start], splits[stop]
    lengths = splits[start + 1:stop + 1] - splits[start:stop]
    rows = tf.repeat(tf.range(stop - start), lengths)
    indices = tf.concat([rows[:, None], coordinates[first:last]], 1)
    if isinstance(feature, tf.io.VarLenFeature):  # As parse_example: the longest row's width.
      shape = tf.stack([stop - start, tf.reduce_max(tf.concat([lengths, [0]], 0))])
    else:
      shape = tf.concat([[stop - start], tf.constant(
          [int(s) for s in (feature.size if isinstance(feature.size, (list, tuple))
                            else [feature.size])], tf.int64)], 0)
    return tf.SparseTensor(indices, values[first:last], shape)
  ragged = tf.RaggedTensor.from_nested_row_splits(parts[0], list(parts[1:]), validate=False)
  return ragged[start:stop]
