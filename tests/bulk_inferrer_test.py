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


def _read_logs(result):
  from tensorflow_serving.apis import prediction_log_pb2  # The official messages read them.
  names = sorted(os.listdir(result.uri))
  return names, [prediction_log_pb2.PredictionLog.FromString(r.numpy())
                 for name in names
                 for r in tf.data.TFRecordDataset(os.path.join(result.uri, name), "GZIP")]


def test_prediction_log_layout_is_tfx_s_with_each_example_and_its_answer(tmp_path):
  examples, data = _examples(tmp_path, rows=500)
  result, _ = _run(tmp_path, examples, _model(tmp_path), inference_result_format="prediction_log")
  assert result.get("rows") == 1000 and result.split_names == []
  names, logs = _read_logs(result)
  assert names == ["prediction_logs-%05d-of-00004.gz" % i for i in range(4)]
  assert len(logs) == 1000 and {log.WhichOneof("log_type") for log in logs} == {"predict_log"}
  ids, a, b = (np.concatenate([data[s][i] for s in ("train", "eval")]) for i in range(3))
  sent = [tf.train.Example.FromString(tf.make_ndarray(log.predict_log.request.inputs[
      "examples"])[0]) for log in logs]
  np.testing.assert_array_equal([e.features.feature["id"].int64_list.value[0] for e in sent], ids)
  answers = [log.predict_log.response.outputs for log in logs]
  np.testing.assert_allclose([tf.make_ndarray(o["score"])[0] for o in answers], a + 2 * b,
                             rtol=1e-6)
  logits = np.array([tf.make_ndarray(o["logits"]) for o in answers])
  assert logits.shape == (1000, 1, 2)
  np.testing.assert_allclose(logits[:, 0], np.stack([a, b], 1) @ W, rtol=1e-5, atol=1e-6)
  assert logs[0].predict_log.request.model_spec.signature_name == "serving_default"


def test_prediction_log_layout_of_classify_and_regress_signatures(tmp_path):
  model = Model()
  model.uri = str(tmp_path / "cr")
  graph = tf.Graph()
  with graph.as_default():
    serialized = tf.compat.v1.placeholder(tf.string, [None], name="tf_example")
    a = tf.io.parse_example(serialized, {"a": tf.io.FixedLenFeature([], tf.float32)})["a"]
    scores = tf.stack([tf.sigmoid(-a), tf.sigmoid(a)], axis=1)
    classes = tf.tile(tf.constant([["neg", "pos"]]), [tf.shape(a)[0], 1])
    builder = tf.compat.v1.saved_model.Builder(model.serving_model_dir)
    with tf.compat.v1.Session(graph=graph) as session:
      builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map={
          "serving_default": tf.compat.v1.saved_model.classification_signature_def(
              serialized, classes, scores),
          "regress": tf.compat.v1.saved_model.regression_signature_def(serialized, 3.0 * a)})
    builder.save()
  examples, data = _examples(tmp_path, rows=20)
  a = np.concatenate([data[s][1] for s in ("train", "eval")])
  result, _ = _run(tmp_path, examples, model, inference_result_format="prediction_log")
  _, logs = _read_logs(result)
  classes = [log.classify_log.response.result.classifications[0].classes for log in logs]
  assert [[c.label for c in cs] for cs in classes] == [["neg", "pos"]] * 40
  np.testing.assert_allclose([cs[1].score for cs in classes], 1 / (1 + np.exp(-a)), rtol=1e-5)
  assert tf.train.Example.FromString(
      logs[0].classify_log.request.input.example_list.examples[0].SerializeToString()
  ).features.feature["a"].float_list.value[0] == pytest.approx(a[0])
  result, _ = _run(tmp_path / "r", examples, model, inference_result_format="prediction_log",
                   model_spec=bulk_inferrer_pb2.ModelSpec(model_signature_name=["regress"]))
  _, logs = _read_logs(result)
  np.testing.assert_allclose([log.regress_log.response.result.regressions[0].value
                              for log in logs], 3.0 * a, rtol=1e-6)


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
  with pytest.raises(ValueError, match="inference_result_format must be 'parquet' or"):
    _run(tmp_path / "w", examples, model, inference_result_format="csv")
  with pytest.raises(ValueError, match="has nothing to apply to"):
    _run(tmp_path / "v", examples, model, inference_result_format="prediction_log",
         output_example_spec=clash)
