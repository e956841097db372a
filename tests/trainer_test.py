"""Trainer: the penguin pipeline's Keras model (trained on Transform's outputs, served from a
fresh process), TFX's FnArgs, warm start, and bad input."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core import training, transform
from tfx_core.components.trainer.executor import TrainerExecutor
from tfx_core.examples import penguin_pipeline, penguin_trainer
from tfx_core.orchestration import LocalDagRunner
from tfx_core.proto import trainer_pb2
from tfx_core.types import Examples, HyperParameters, Model, ModelRun, artifact_class

_MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata", "trainer")
_FN_ARGS_MODULE = os.path.join(_MODULES, "fn_args_module.py")

# Serves a SavedModel in a process where only TensorFlow and tfx_core's ops can be imported
# (the module files and tfx_core's examples cannot): argv model dir, serialized examples file.
_SERVE = """
import sys
sys.modules["tfx_core.examples"] = None  # The user's code is not there at serving time.
import numpy as np, tensorflow as tf
import tfx_core.ops
examples = [bytes.fromhex(line) for line in open(sys.argv[2]).read().split()]
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
np.save(sys.argv[3], serve(examples=tf.constant(examples))["outputs"].numpy())
"""


@pytest.fixture(scope="module")
def penguin(tmp_path_factory):
  root = tmp_path_factory.mktemp("penguin")
  result = LocalDagRunner().run(penguin_pipeline.create_pipeline(root, enable_cache=False,
                                                                 enable_tuning=False))
  assert set(result.node_states.values()) == {"COMPLETE"}
  return result


def _only(result, node, key):
  """A published output, as its artifact type."""
  [record] = result.outputs[node][key]
  return artifact_class(record.type)(record)


def _raw_eval(result):
  return pq.read_table(_only(result, "ExampleGen", "examples").split_uri("eval"))


def _serialized(table):
  """Raw rows as tf.Examples, without the label (as serving requests come)."""
  rows = []
  for row in table.drop_columns([penguin_trainer.LABEL_KEY]).to_pylist():
    features = {k: tf.train.Feature(float_list=tf.train.FloatList(value=[v]))
                for k, v in row.items()}
    rows.append(tf.train.Example(
        features=tf.train.Features(feature=features)).SerializeToString())
  return rows


def _keras_predictions(model_dir, graph_uri, table):
  """The trained model's logits on raw rows: transformed in process, fed to the Keras model
  rebuilt from the SavedModel's weights."""
  output = transform.TransformOutput(graph_uri)
  features = output.transform_arrow(table)
  model = penguin_trainer._make_keras_model(  # pylint: disable=protected-access
      penguin_trainer._hyperparameters(training.FnArgs()),  # pylint: disable=protected-access
      output.num_buckets_for_transformed_feature("body_mass_quartile"))
  training.restore_weights(model, model_dir)
  # Each output is [batch, 1], as the schema gives every raw feature shape [1].
  inputs = {name: features[name].combine_chunks().flatten().to_numpy().reshape(-1, 1)
            for name in features.column_names if name != penguin_trainer.LABEL_KEY}
  return model.predict(inputs, verbose=0)


def _serve(model, raw, tmp_path):
  """serving_default's outputs on the raw rows, from a fresh process (_SERVE)."""
  requests = tmp_path / "requests.hex"
  requests.write_text("\n".join(e.hex() for e in _serialized(raw)))
  served = tmp_path / "served.npy"
  done = subprocess.run([sys.executable, "-c", _SERVE, model.serving_model_dir, str(requests),
                         str(served)], capture_output=True, text=True, timeout=300,
                        cwd=str(tmp_path))
  assert done.returncode == 0, done.stderr
  return np.load(served)


def test_the_penguin_model_learns_and_serves_tf_examples_in_a_fresh_process(penguin, tmp_path):
  model = _only(penguin, "Trainer", "model")
  run = _only(penguin, "Trainer", "model_run")
  with open(os.path.join(run.uri, penguin_trainer.EVAL_REPORT)) as f:
    report = f.read().split()
  assert report[:2] == ["eval", "accuracy"] and float(report[2]) >= 0.9
  assert any(name.startswith("events.out.tfevents")
             for _, _, files in os.walk(run.uri) for name in files)  # TensorBoard logs.
  raw = _raw_eval(penguin)
  graph = _only(penguin, "Transform", "transform_graph")
  expected = _keras_predictions(model.serving_model_dir, graph.uri, raw)
  np.testing.assert_allclose(_serve(model, raw, tmp_path), expected, rtol=1e-5, atol=1e-5)
  labels = raw[penguin_trainer.LABEL_KEY].to_numpy()
  assert (np.argmax(expected, axis=1) == labels).mean() >= 0.9


# Calls both signatures of a SavedModel on the raw rows of a Parquet file in a process where
# only TensorFlow, pyarrow and tfx_core's ops can be imported: argv model dir, Parquet file,
# label key, output .npz.
_SERVE_BOTH = """
import sys
sys.modules["tfx_core.examples"] = None
import numpy as np, pyarrow.parquet as pq, tensorflow as tf
import tfx_core.ops
from tfx_core.training import raw_signature
model = tf.saved_model.load(sys.argv[1])
table = pq.read_table(sys.argv[2]).drop_columns([sys.argv[3]])
examples = [tf.train.Example(features=tf.train.Features(feature={
    k: tf.train.Feature(float_list=tf.train.FloatList(value=[v])) for k, v in row.items()}))
    .SerializeToString() for row in table.to_pylist()]
raw = model.signatures[raw_signature.RAW_SIGNATURE_NAME]
inputs = {k: tf.constant(table[k].to_numpy().reshape(-1, 1), tf.float32) for k in table.column_names}
np.savez(sys.argv[4], default=model.signatures["serving_default"](
    examples=tf.constant(examples))["outputs"].numpy(), raw=raw(**inputs)["outputs"].numpy(),
    inputs=sorted(raw.structured_input_signature[1]))
"""


def test_the_raw_feature_signature_serves_as_serving_default_in_a_fresh_process(penguin,
                                                                               tmp_path):
  model = _only(penguin, "Trainer", "model")
  eval_file = os.path.join(_only(penguin, "ExampleGen", "examples").split_uri("eval"), "*")
  [eval_file] = tf.io.gfile.glob(eval_file)
  out = tmp_path / "served.npz"
  done = subprocess.run([sys.executable, "-c", _SERVE_BOTH, model.serving_model_dir, eval_file,
                         penguin_trainer.LABEL_KEY, str(out)], capture_output=True, text=True,
                        timeout=300, cwd=str(tmp_path))
  assert done.returncode == 0, done.stderr
  served = np.load(out)
  assert list(served["inputs"]) == sorted(penguin_trainer.FEATURE_KEYS)
  assert served["raw"].shape == served["default"].shape == (pq.read_metadata(
      eval_file).num_rows, 3)
  np.testing.assert_allclose(served["raw"], served["default"], rtol=1e-6, atol=1e-6)


def test_raw_signature_inputs_name_every_part_and_refuse_what_they_cannot_carry():
  specs = training.raw_input_specs({
      "age": tf.io.FixedLenFeature([2], tf.float32),
      "tags": tf.io.VarLenFeature(tf.string),
      "w": tf.io.SparseFeature("w_index", "w_value", tf.float32, 10),
      "tokens": tf.io.RaggedFeature(tf.int64)})
  assert {k: (v.shape.as_list(), v.dtype) for k, v in specs.items()} == {
      "age": ([None, 2], tf.float32), "tags": ([None], tf.string),
      "tags_row_lengths": ([None], tf.int64), "w_value": ([None], tf.float32),
      "w_index": ([None], tf.int64), "w_row_lengths": ([None], tf.int64),
      "tokens": ([None], tf.int64), "tokens_row_lengths": ([None], tf.int64)}
  with pytest.raises(ValueError, match="raw features 'x' and 'x_row_lengths' both need the "
                     "signature input 'x_row_lengths'"):
    training.raw_input_specs({"x": tf.io.VarLenFeature(tf.float32),
                              "x_row_lengths": tf.io.FixedLenFeature([], tf.int64)})
  with pytest.raises(ValueError, match="raw feature 'nested' .* has no raw-tensor signature "
                     "input"):
    training.raw_input_specs({"nested": tf.io.RaggedFeature(
        tf.int64, partitions=[tf.io.RaggedFeature.UniformRowLength(2)])})


def _trainer(penguin, tmp_path, properties=None, **inputs):
  """Runs TrainerExecutor on the penguin run's transformed examples and TransformGraph (the
  fn_args module unless properties name another); returns (model, model_run)."""
  model, model_run = Model(), ModelRun()
  model.uri, model_run.uri = str(tmp_path / "model"), str(tmp_path / "model_run")
  input_dict = {"examples": [_only(penguin, "Transform", "transformed_examples")],
                "transform_graph": [_only(penguin, "Transform", "transform_graph")]}
  input_dict.update({k: [v] for k, v in inputs.items()})
  TrainerExecutor().Do(input_dict, {"model": [model], "model_run": [model_run]},
                       dict({"module_file": _FN_ARGS_MODULE}, **(properties or {})))
  return model, model_run


def _seen(model_run):
  with open(os.path.join(model_run.uri, "fn_args.json")) as f:
    return json.load(f)


def test_run_fn_gets_tfx_fn_args(penguin, tmp_path):
  hyperparameters = HyperParameters()
  hyperparameters.uri = str(tmp_path / "hparams")
  os.makedirs(hyperparameters.uri)
  with open(hyperparameters.hyperparameters_path, "w") as f:
    json.dump({"space": [], "values": {"learning_rate": 0.5}}, f)
  base = _only(penguin, "Trainer", "model")
  model, run = _trainer(penguin, tmp_path, {
      "custom_config": {"label_key": "species", "extra": [1, 2]},
      "train_args": trainer_pb2.TrainArgs(num_steps=12),
      "eval_args": trainer_pb2.EvalArgs(splits=["train"])},
      hyperparameters=hyperparameters, base_model=base)
  seen = _seen(run)
  examples = _only(penguin, "Transform", "transformed_examples")
  graph = _only(penguin, "Transform", "transform_graph")
  train = examples.split_uri("train")
  assert seen["train_files"] == seen["eval_files"] == [os.path.join(train, "*")]
  assert (seen["train_steps"], seen["eval_steps"]) == (12, None)  # 0 / unset: None, as TFX.
  assert seen["transform_graph_path"] == seen["transform_output"] == graph.uri
  assert seen["schema_path"] is None and seen["schema_file"] is None
  assert seen["serving_model_dir"] == seen["working_dir"] == model.serving_model_dir
  assert seen["eval_model_dir"] == model.eval_model_dir
  assert seen["model_run_dir"] == run.uri
  assert seen["base_model"] == base.serving_model_dir
  assert seen["hyperparameters"] == {"space": [], "values": {"learning_rate": 0.5}}
  assert seen["custom_config"] == {"label_key": "species", "extra": [1, 2]}
  assert seen["batch"]["label_shape"] == [7, 1]  # The schema gives species shape [1].
  assert "species" not in seen["batch"]["features"] and \
      "body_mass_g_z" in seen["batch"]["features"]
  eval_rows = pq.read_table(train).num_rows
  assert sum(seen["record_batch_rows"]) == eval_rows
  assert set(seen["record_batch_rows"][:-1]) == {5}
  assert tf.saved_model.contains_saved_model(model.serving_model_dir)


def test_warm_start_continues_from_the_base_model(penguin, tmp_path):
  # With a learning rate of 0, training changes nothing: a warm-started model is its base,
  # weight for weight; one started afresh is not.
  base = _only(penguin, "Trainer", "model")
  frozen = {"module_file": os.path.join(os.path.dirname(penguin_trainer.__file__),
                                        "penguin_trainer.py"),
            "custom_config": {"hyperparameters": {"learning_rate": 0.0}, "seed": 7},
            "train_args": trainer_pb2.TrainArgs(num_steps=3)}
  warm, _ = _trainer(penguin, tmp_path / "warm", frozen, base_model=base)
  cold, _ = _trainer(penguin, tmp_path / "cold", frozen)
  graph = _only(penguin, "Transform", "transform_graph")
  raw = _raw_eval(penguin)
  expected = _keras_predictions(base.serving_model_dir, graph.uri, raw)
  np.testing.assert_allclose(_keras_predictions(warm.serving_model_dir, graph.uri, raw),
                             expected, rtol=1e-6)
  assert not np.allclose(_keras_predictions(cold.serving_model_dir, graph.uri, raw), expected)


_TF_KERAS_MODULE = os.path.join(_MODULES, "penguin_tf_keras_module.py")


def test_a_tfx_tf_keras_module_file_trains_under_tf_use_legacy_keras(penguin, tmp_path,
                                                                     monkeypatch):
  # This process resolved tf.keras to Keras 3 already, so the Trainer runs run_fn in a fresh
  # process, where tf.keras is tf_keras: its model.save(save_format='tf') writes tf_keras's
  # SavedModel (with keras_metadata.pb), which serves tf.Examples in a process of its own.
  monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
  model, run = _trainer(penguin, tmp_path, {"module_file": _TF_KERAS_MODULE,
                                            "train_args": trainer_pb2.TrainArgs(num_steps=200)})
  assert os.path.exists(os.path.join(model.serving_model_dir, "keras_metadata.pb"))
  assert os.path.exists(os.path.join(run.uri, "worker-0.log"))
  raw = _raw_eval(penguin)
  served = _serve(model, raw, tmp_path)
  assert (np.argmax(served, axis=1) == raw[penguin_trainer.LABEL_KEY].to_numpy()).mean() >= 0.9
  # The trained model's logits on the transformed eval split (whose row order Beam may have
  # changed): column by column, the same values.
  trained = np.load(os.path.join(run.uri, "eval_logits.npy"))
  np.testing.assert_allclose(np.sort(served, axis=0), np.sort(trained, axis=0), rtol=1e-5,
                             atol=1e-5)


def test_tf_keras_saving_under_keras_3_says_to_set_tf_use_legacy_keras(penguin, tmp_path,
                                                                      monkeypatch):
  monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
  with pytest.raises(RuntimeError, match="save_format='tf'. is tf_keras's: run with "
                     "TF_USE_LEGACY_KERAS=1"):
    _trainer(penguin, tmp_path, {"module_file": _TF_KERAS_MODULE,
                                 "train_args": trainer_pb2.TrainArgs(num_steps=2)})


@pytest.mark.parametrize("properties, message", [
    ({"module_file": "/nonexistent/trainer.py"}, "module_file /nonexistent/trainer.py does "
     "not exist"),
    ({"module_file": os.path.join(_MODULES, "no_run_fn.py")}, "has no function run_fn"),
    ({"module_file": None, "run_fn": "no.such.module.run_fn"}, "cannot import run_fn"),
    ({"run_fn": "os.path.join"}, "give exactly one of module_file"),
    ({"custom_config": {"fail": True}}, "run_fn raised ZeroDivisionError"),
    ({"custom_config": {"save": False}}, "run_fn returned without saving a model to "
     "fn_args.serving_model_dir"),
    ({"custom_config": {"signature": "floats"}}, "the model's serving_default signature takes "
     "x (float32); it must take serialized tf.Examples"),
    ({"custom_config": {"label_key": "speciez"}}, "label_key 'speciez' is not a feature of the "
     "schema"),
    ({"train_args": trainer_pb2.TrainArgs(num_steps=-3)}, "train_args.num_steps must be > 0"),
    ({"train_args": trainer_pb2.TrainArgs(splits=["test"])}, "train split 'test' is not in "
     "the examples"),
])
def test_bad_trainer_input_names_what_is_wrong(penguin, tmp_path, properties, message):
  with pytest.raises((ValueError, RuntimeError), match="Trainer: .*" + re.escape(message)):
    _trainer(penguin, tmp_path, properties)


def test_an_empty_training_split_and_a_foreign_hyperparameters_artifact(penguin, tmp_path):
  examples = _only(penguin, "Transform", "transformed_examples")
  empty = Examples()
  empty.uri = str(tmp_path / "empty")
  empty.split_names = ["train", "eval"]
  for split in ("train", "eval"):
    os.makedirs(empty.split_uri(split))
    table = pq.read_table(examples.split_uri(split))
    pq.write_table(table.slice(0, 0 if split == "train" else 10),
                   os.path.join(empty.split_uri(split), "data-00000-of-00001.parquet"))
  with pytest.raises(ValueError, match="Trainer: the train split 'train' holds no examples"):
    _trainer(penguin, tmp_path / "a", examples=empty)
  stray = HyperParameters()
  stray.uri = str(tmp_path / "stray")
  os.makedirs(stray.uri)
  with pytest.raises(ValueError, match="Trainer: hyperparameters input .* is not a "
                     "HyperParameters artifact"):
    _trainer(penguin, tmp_path / "b", hyperparameters=stray)
