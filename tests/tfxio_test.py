"""tfxio over Parquet examples: every row once per epoch, a seeded shuffle that repeats with its
seed and differs across seeds and epochs, a shuffle window that bounds what is held, TFT's
feature spec (dense, VarLen as SparseTensor, ragged, strings), and errors naming the file, the
feature or the label_key."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core import tfxio
from tfx_core.tfxio import _parquet
from tfx_core.transform import _inputs

_FILES, _GROUPS, _GROUP_ROWS = 3, 4, 25
_ROWS = _FILES * _GROUPS * _GROUP_ROWS

_SPEC = {
    "id": tf.io.FixedLenFeature([], tf.int64),
    "x": tf.io.FixedLenFeature([2], tf.float32),
    "tags": tf.io.VarLenFeature(tf.string),
    "tokens": tf.io.RaggedFeature(tf.int64, value_key="tokens", row_splits_dtype=tf.int64),
    "label": tf.io.FixedLenFeature([], tf.int64),
}


def _row(i):
  return {"id": i, "x": [float(i), -float(i)], "tags": ["t%d" % j for j in range(i % 3)],
          "tokens": list(range(i % 4)), "label": i % 2}


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
  """_FILES Parquet files of _GROUPS row groups each; row i holds id i."""
  folder = tmp_path_factory.mktemp("examples")
  for f in range(_FILES):
    rows = [_row(i) for i in range(f * _GROUPS * _GROUP_ROWS, (f + 1) * _GROUPS * _GROUP_ROWS)]
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("id", pa.int64()), ("x", pa.list_(pa.float32())), ("tags", pa.list_(pa.string())),
        ("tokens", pa.list_(pa.int64())), ("label", pa.int64())]))
    pq.write_table(table, folder / ("data-%05d-of-%05d.parquet" % (f, _FILES)),
                   row_group_size=_GROUP_ROWS)
  return str(folder / "*")


def _schema():
  return _inputs.schema_from_feature_spec(_SPEC)


def _ids(dataset):
  return [int(i) for features, _ in dataset for i in features["id"].numpy()]


def _options(**kwargs):
  kwargs.setdefault("batch_size", 16)
  kwargs.setdefault("label_key", "label")
  kwargs.setdefault("num_epochs", 1)
  return tfxio.TensorFlowDatasetOptions(**kwargs)


def test_an_epoch_yields_every_row_once_in_batches(examples):
  batches = list(tfxio.tf_dataset(examples, _options(shuffle_seed=3), _schema()))
  assert [int(label.shape[0]) for _, label in batches] == [16] * (_ROWS // 16) + [_ROWS % 16]
  assert tfxio.tf_dataset(examples, _options(), _schema()).cardinality() == len(batches)
  ids = [int(i) for features, _ in batches for i in features["id"].numpy()]
  assert sorted(ids) == list(range(_ROWS))
  assert ids != list(range(_ROWS))  # Shuffled.


def test_features_map_as_the_feature_spec_says(examples):
  features, label = next(iter(tfxio.tf_dataset(examples, _options(shuffle=False), _schema())))
  ids = features["id"].numpy()
  np.testing.assert_array_equal(ids, np.arange(16))
  np.testing.assert_array_equal(label.numpy(), ids % 2)
  np.testing.assert_array_equal(features["x"].numpy(), np.stack([ids, -ids], 1))
  assert features["x"].dtype == tf.float32
  tags = features["tags"]
  assert isinstance(tags, tf.SparseTensor) and tags.dtype == tf.string
  dense_tags = tf.sparse.to_dense(tags, default_value=b"").numpy()
  assert [list(t[t != b""]) for t in dense_tags] == [
      [b"t%d" % j for j in range(i % 3)] for i in ids]
  tokens = features["tokens"]
  assert isinstance(tokens, tf.RaggedTensor)
  assert tokens.to_list() == [list(range(i % 4)) for i in ids]


def test_a_seed_repeats_its_order_and_other_seeds_and_epochs_differ(examples):
  seeded = lambda seed: tfxio.tf_dataset(examples, _options(shuffle_seed=seed), _schema())
  first = _ids(seeded(5))
  assert _ids(seeded(5)) == first
  assert _ids(seeded(6)) != first
  two_epochs = _ids(tfxio.tf_dataset(examples, _options(shuffle_seed=5, num_epochs=2,
                                                        batch_size=_ROWS), _schema()))
  assert sorted(two_epochs[:_ROWS]) == sorted(two_epochs[_ROWS:]) == list(range(_ROWS))
  assert two_epochs[:_ROWS] != two_epochs[_ROWS:]
  # Iterating one dataset again gives another order; a dataset with the same seed gives the
  # same sequence of orders.
  dataset, twin = seeded(5), seeded(5)
  orders = [_ids(dataset), _ids(dataset)]
  assert orders[0] == first and orders[1] != first
  assert [_ids(twin), _ids(twin)] == orders


def test_without_shuffle_rows_come_in_file_order(examples):
  assert _ids(tfxio.tf_dataset(examples, _options(shuffle=False), _schema())) == list(
      range(_ROWS))


@pytest.mark.parametrize("count", [2, 5, 12, 40])
def test_input_pipelines_read_disjoint_shares_of_every_row(examples, count):
  # 12 row groups of 25 rows: shares of whole groups, of parts of them, of less than one.
  shares = []
  for index in range(count):
    context = tf.distribute.InputContext(num_input_pipelines=count, input_pipeline_id=index)
    dataset = tfxio.tf_dataset(examples, _options(shuffle_seed=index), _schema(),
                               input_context=context)
    ids = _ids(dataset)
    assert len(ids) > 0 and int(dataset.cardinality()) == -(-len(ids) // 16)
    shares.append(ids)
  assert sorted(i for ids in shares for i in ids) == list(range(_ROWS))
  assert max(map(len, shares)) - min(map(len, shares)) <= 1
  with pytest.raises(ValueError, match="hold too few rows to give each of 400 input pipelines"):
    tfxio.tf_dataset(examples, _options(), _schema(), input_context=tf.distribute.InputContext(
        num_input_pipelines=400, input_pipeline_id=0))


def test_the_shuffle_window_bounds_how_far_rows_move(examples):
  # A window of one row group's rows: rows are only permuted within their row group, which
  # comes whole, so every batch of _GROUP_ROWS rows is one row group.
  options = _options(shuffle_seed=1, shuffle_buffer_size=_GROUP_ROWS, batch_size=_GROUP_ROWS)
  groups = [sorted(features["id"].numpy() // _GROUP_ROWS)
            for features, _ in tfxio.tf_dataset(examples, options, _schema())]
  assert all(g[0] == g[-1] for g in groups)
  assert sorted(g[0] for g in groups) == list(range(_FILES * _GROUPS))


def test_drop_final_batch_gives_static_batch_shapes(examples):
  dataset = tfxio.tf_dataset(examples, _options(drop_final_batch=True), _schema())
  assert dataset.element_spec[1].shape.as_list() == [16]
  assert len(_ids(dataset)) == _ROWS // 16 * 16 and dataset.cardinality() == _ROWS // 16


def test_num_epochs_none_repeats(examples):
  dataset = tfxio.tf_dataset(examples, _options(num_epochs=None, batch_size=_ROWS), _schema())
  assert dataset.cardinality() == tf.data.INFINITE_CARDINALITY
  ids = _ids(dataset.take(3))
  assert len(ids) == 3 * _ROWS and sorted(ids) == sorted(list(range(_ROWS)) * 3)


def _values(batches):
  """Batches as plain lists: dense arrays, sparse (indices, values, dense_shape), ragged rows."""
  def plain(t):
    if isinstance(t, tf.SparseTensor):
      return t.indices.numpy().tolist(), t.values.numpy().tolist(), t.dense_shape.numpy().tolist()
    return t.to_list() if isinstance(t, tf.RaggedTensor) else t.numpy().tolist()
  return [({k: plain(v) for k, v in features.items()}, plain(label))
          for features, label in batches]


@pytest.mark.parametrize("drop_final_batch", [False, True])
def test_batches_cut_from_many_chunks_equal_those_of_one(examples, monkeypatch,
                                                         drop_final_batch):
  # Chunks of 32 rows (2 batches) instead of one chunk of every row: batches that cross row
  # groups and files, and the last, shorter one (or none) come out the same.
  options = _options(shuffle=False, drop_final_batch=drop_final_batch)
  one = _values(tfxio.tf_dataset(examples, options, _schema()))
  monkeypatch.setattr(_parquet, "_CHUNK_ROWS", 40)
  many = _values(tfxio.tf_dataset(examples, options, _schema()))
  assert len(many) == (_ROWS // 16 if drop_final_batch else -(-_ROWS // 16))
  assert many == one
  assert [row for features, _ in many for row in features["id"]] == list(
      range(len(many) * 16 if drop_final_batch else _ROWS))


def test_sparse_features_come_as_their_spec_says(tmp_path):
  # A SparseFeature of size 10 (unsorted indices within rows) and a label that is sparse.
  rows = [{"i": [(r * 3 + 1) % 10, (r * 3) % 10][:r % 3], "v": [float(r), -float(r)][:r % 3],
           "y": [r] * (r % 2)} for r in range(70)]
  pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema([
      ("i", pa.list_(pa.int64())), ("v", pa.list_(pa.float32())), ("y", pa.list_(pa.int64()))])),
                 tmp_path / "data.parquet", row_group_size=20)
  spec = {"w": tf.io.SparseFeature("i", "v", tf.float32, 10), "y": tf.io.VarLenFeature(tf.int64)}
  monkeypatch = pytest.MonkeyPatch()
  for chunk_rows in (65536, 30):
    monkeypatch.setattr(_parquet, "_CHUNK_ROWS", chunk_rows)
    dataset = tfxio.tf_dataset(str(tmp_path / "*"), _options(shuffle=False, label_key="y",
                                                             batch_size=16),
                               _inputs.schema_from_feature_spec(spec))
    assert dataset.element_spec[0]["w"].shape.as_list() == [None, 10]
    weights, labels = [], []
    for features, label in dataset:
      weights += tf.sparse.to_dense(features["w"]).numpy().tolist()
      assert label.dense_shape.numpy()[1] <= 1
      labels += tf.sparse.to_dense(label, default_value=-1).numpy()[:, :1].ravel().tolist() \
          if label.dense_shape.numpy()[1] else [-1] * int(label.dense_shape.numpy()[0])
    expected = np.zeros((70, 10), np.float32)
    for r, row in enumerate(rows):
      expected[r, row["i"]] = row["v"]
    np.testing.assert_array_equal(np.array(weights), expected)
    assert labels == [r if r % 2 else -1 for r in range(70)]
  monkeypatch.undo()


def test_schemas_mark_fixed_shape_features_present_as_tft_does():
  # tfx_bsl refuses a feature with a shape but without presence.min_fraction 1.
  features = {f.name: f for f in _schema().feature}
  assert features["id"].presence.min_fraction == features["x"].presence.min_fraction == 1.0
  assert not features["tags"].HasField("presence") and not features["tags"].HasField("shape")


def test_record_batches_read_only_the_schemas_columns(examples):
  options = tfxio.RecordBatchesOptions(batch_size=50, shuffle=False, num_epochs=1)
  spec = {"id": _SPEC["id"]}
  batches = list(tfxio.record_batches(examples, options, _inputs.schema_from_feature_spec(spec)))
  assert [b.num_rows for b in batches] == [50] * (_ROWS // 50) + ([_ROWS % 50] if _ROWS % 50
                                                                   else [])
  assert all(b.schema.names == ["id"] for b in batches)
  assert pa.concat_arrays([b.column(0) for b in batches]).to_pylist() == list(range(_ROWS))


def test_errors_name_the_label_key_the_feature_and_the_file(examples, tmp_path):
  with pytest.raises(ValueError, match="label_key 'species' is not a feature of the schema"):
    tfxio.tf_dataset(examples, _options(label_key="species"), _schema())
  with pytest.raises(ValueError, match="feature.s. weight missing; the file has"):
    tfxio.tf_dataset(examples, _options(), _inputs.schema_from_feature_spec(
        dict(_SPEC, weight=tf.io.FixedLenFeature([], tf.float32))))
  with pytest.raises(ValueError, match="no example files match"):
    tfxio.tf_dataset(str(tmp_path / "nothing*"), _options(), _schema())
  broken = tmp_path / "broken.parquet"
  broken.write_bytes(b"not parquet")
  with pytest.raises(ValueError, match="broken.parquet is not a Parquet examples file"):
    tfxio.tf_dataset(str(broken), _options(), _schema())
  wrong = dict(_SPEC, id=tf.io.FixedLenFeature([], tf.string))
  with pytest.raises(tf.errors.InvalidArgumentError, match="feature 'id' should hold strings"):
    _ids(tfxio.tf_dataset(examples, _options(), _inputs.schema_from_feature_spec(wrong)))
  with pytest.raises(ValueError, match="batch_size must be > 0"):
    tfxio.record_batches(examples, tfxio.RecordBatchesOptions(batch_size=0))
  with pytest.raises(ValueError, match="num_epochs must be > 0"):
    tfxio.tf_dataset(examples, _options(num_epochs=0), _schema())
