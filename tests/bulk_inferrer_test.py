"""BulkInferrer over real Parquet Examples with a real SavedModel."""

import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core.components.bulk_inferrer.executor import BulkInferrerExecutor
from tfx_core.proto import bulk_inferrer_pb2
from tfx_core.types import Examples, InferenceResult, Model, ModelBlessing

W = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)


def _model(tmp_path):
  """serving_default over serialized examples: score = a + 2b, logits = [a, b] @ W."""
  model = Model()
  model.uri = str(tmp_path / "model")
  module = tf.Module()
  module.w = tf.Variable(W)

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
  def serve(serialized):
    f = tf.io.parse_example(serialized, {"a": tf.io.FixedLenFeature([], tf.float32),
                                         "b": tf.io.FixedLenFeature([], tf.float32)})
    x = tf.stack([f["a"], f["b"]], axis=1)
    return {"score": f["a"] + 2 * f["b"], "logits": tf.matmul(x, module.w)}

  module.serve = serve
  tf.saved_model.save(module, model.serving_model_dir, signatures={"serving_default": serve})
  return model


def _examples(tmp_path, rows=10_000):
  examples = Examples()
  examples.uri = str(tmp_path / "examples")
  examples.split_names = ["train", "eval"]
  rng = np.random.default_rng(1)
  data = {}
  for split in examples.split_names:
    os.makedirs(examples.split_uri(split))
    a, b = rng.normal(size=rows).astype(np.float32), rng.normal(size=rows).astype(np.float32)
    ids = np.arange(rows)
    data[split] = (ids, a, b)
    for shard, part in enumerate(np.array_split(np.arange(rows), 2)):
      pq.write_table(pa.table({"id": ids[part], "a": a[part], "b": b[part]}),
                     os.path.join(examples.split_uri(split),
                                  "data-%05d-of-00002.parquet" % shard))
  return examples, data


def _run(tmp_path, examples, model, **properties):
  result, out = InferenceResult(), Examples()
  result.uri, out.uri = str(tmp_path / "result"), str(tmp_path / "out")
  inputs = {"examples": [examples], "model": [model]}
  if "blessing" in properties:
    inputs["model_blessing"] = [properties.pop("blessing")]
  BulkInferrerExecutor().Do(inputs, {"inference_result": [result], "output_examples": [out]},
                            {"batch_size": 1000, **properties})
  return result, out


def test_every_row_of_every_split_is_inferred_in_order(tmp_path):
  examples, data = _examples(tmp_path)
  result, out = _run(tmp_path, examples, _model(tmp_path))
  assert result.split_names == ["train", "eval"] and result.get("rows") == 20_000
  assert out.split_names == []
  for split, (ids, a, b) in data.items():
    shards = sorted(os.listdir(result.split_uri(split)))
    assert shards == ["data-00000-of-00002.parquet", "data-00001-of-00002.parquet"]
    table = pa.concat_tables(pq.read_table(os.path.join(result.split_uri(split), s))
                             for s in shards)
    assert table.column_names == ["id", "a", "b", "logits", "score"]
    np.testing.assert_array_equal(table.column("id").to_numpy(), ids)
    np.testing.assert_allclose(table.column("score").to_numpy(), a + 2 * b, rtol=1e-6)
    logits = np.array(table.column("logits").to_pylist())
    np.testing.assert_allclose(logits, np.stack([a, b], 1) @ W, rtol=1e-5, atol=1e-6)


def test_output_example_spec_names_the_columns_of_output_examples(tmp_path):
  examples, data = _examples(tmp_path, rows=300)
  spec = bulk_inferrer_pb2.OutputExampleSpec(output_columns_spec=[
      bulk_inferrer_pb2.OutputColumnsSpec(predict_output=bulk_inferrer_pb2.PredictOutput(
          output_columns=[bulk_inferrer_pb2.PredictOutputCol(output_key="score",
                                                             output_column="predicted")]))])
  result, out = _run(tmp_path, examples, _model(tmp_path), output_example_spec=spec,
                     data_spec=bulk_inferrer_pb2.DataSpec(example_splits=["eval"]))
  assert out.split_names == ["eval"] and result.split_names == []
  table = pq.read_table(out.split_uri("eval"))
  assert table.column_names == ["id", "a", "b", "predicted"]
  _, a, b = data["eval"]
  np.testing.assert_allclose(table.column("predicted").to_numpy(), a + 2 * b, rtol=1e-6)


def test_an_unblessed_model_is_not_run_and_bad_specs_are_refused(tmp_path):
  examples, _ = _examples(tmp_path, rows=10)
  model = _model(tmp_path)
  blessing = ModelBlessing()
  blessing.set("blessed", 0)
  result, _ = _run(tmp_path, examples, model, blessing=blessing)
  assert result.get("inferred") == 0 and result.split_names == []
  with pytest.raises(ValueError, match="'test'|test are not splits"):
    _run(tmp_path / "x", examples, model, data_spec=bulk_inferrer_pb2.DataSpec(
        example_splits=["test"]))
  with pytest.raises(ValueError, match="no signature 'nope'"):
    _run(tmp_path / "y", examples, model, model_spec=bulk_inferrer_pb2.ModelSpec(
        model_signature_name=["nope"]))
  clash = bulk_inferrer_pb2.OutputExampleSpec(output_columns_spec=[
      bulk_inferrer_pb2.OutputColumnsSpec(predict_output=bulk_inferrer_pb2.PredictOutput(
          output_columns=[bulk_inferrer_pb2.PredictOutputCol(output_key="score",
                                                             output_column="a")]))])
  with pytest.raises(ValueError, match="would overwrite an input column"):
    _run(tmp_path / "z", examples, model, output_example_spec=clash)
