"""InfraValidator on real SavedModels in a real tfx_core_model_server, and the Pusher honouring
its blessing."""

import base64
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core import serving
from tfx_core.components.infra_validator.executor import InfraValidatorExecutor
from tfx_core.components.pusher.executor import PusherExecutor
from tfx_core.proto import infra_validator_pb2, pusher_pb2
from tfx_core.types import Examples, InfraBlessing, Model, PushedModel


def _model(tmp_path, name, parses="x"):
  """A Model artifact whose serving_default parses serialized tf.Examples' feature `parses`."""
  model = Model()
  model.uri = str(tmp_path / name)
  module = tf.Module()

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
  def serve(serialized):
    features = tf.io.parse_example(serialized, {parses: tf.io.FixedLenFeature([], tf.float32)})
    return {"y": features[parses] * 2.0}

  module.serve = serve
  tf.saved_model.save(module, model.serving_model_dir, signatures={"serving_default": serve})
  return model


def _examples(tmp_path):
  examples = Examples()
  examples.uri = str(tmp_path / "examples")
  examples.split_names = ["train", "eval"]
  for split in examples.split_names:
    os.makedirs(examples.split_uri(split))
    pq.write_table(pa.table({"x": [1.0, 2.0, 3.0], "label": [0, 1, 0]}),
                   os.path.join(examples.split_uri(split), "data-00000-of-00001.parquet"))
  return examples


def _validate(tmp_path, model, request_spec=None, examples=None):
  blessing = InfraBlessing()
  blessing.uri = str(tmp_path / ("blessing-" + os.path.basename(model.uri)))
  spec = infra_validator_pb2.ServingSpec(
      tensorflow_serving=infra_validator_pb2.TensorFlowServing(tags=["latest"]),
      local_docker=infra_validator_pb2.LocalDockerConfig())
  properties = {"serving_spec": spec,
                "validation_spec": infra_validator_pb2.ValidationSpec(
                    max_loading_time_seconds=60, num_tries=2)}
  if request_spec is not None:
    properties["request_spec"] = request_spec
  inputs = {"model": [model]}
  if examples is not None:
    inputs["examples"] = [examples]
  InfraValidatorExecutor().Do(inputs, {"blessing": [blessing]}, properties)
  return blessing


QUERY = infra_validator_pb2.RequestSpec(
    tensorflow_serving=infra_validator_pb2.TensorFlowServingRequestSpec(), num_examples=2)


def test_a_model_that_loads_and_answers_is_infra_blessed(tmp_path):
  examples = _examples(tmp_path)
  blessing = _validate(tmp_path, _model(tmp_path, "good"), QUERY, examples)
  assert blessing.get("blessed") == 1 and blessing.get("validation_mode") == "LOAD_AND_QUERY"
  assert os.listdir(blessing.uri) == ["INFRA_BLESSED"]
  only = _validate(tmp_path, _model(tmp_path, "load_only"))
  assert only.get("blessed") == 1 and only.get("validation_mode") == "LOAD_ONLY"


def test_make_warmup_puts_the_validated_requests_in_a_model_the_pusher_pushes(tmp_path):
  from tensorflow_serving.apis import prediction_log_pb2  # The official messages read them.
  examples = _examples(tmp_path)
  spec = infra_validator_pb2.RequestSpec()
  spec.CopyFrom(QUERY)
  spec.make_warmup = True
  model = _model(tmp_path, "warm")
  blessing = _validate(tmp_path, model, spec, examples)
  assert blessing.get("blessed") == 1 and blessing.has_model
  assert sorted(os.listdir(blessing.uri)) == ["INFRA_BLESSED", "stamped_model"]
  warmup = os.path.join(blessing.stamped_model_dir, serving.WARMUP_FILE)
  (record,) = [prediction_log_pb2.PredictionLog.FromString(r.numpy())
               for r in tf.data.TFRecordDataset(warmup)]
  request = record.predict_log.request
  assert (request.model_spec.name, request.model_spec.signature_name) == (
      "infra-validation-model", "serving_default")
  sent = [tf.train.Example.FromString(e).features.feature["x"].float_list.value[0]
          for e in tf.make_ndarray(request.inputs["examples"])]
  assert sent == [1.0, 2.0]  # The first two eval examples, as validated.

  pushed = PushedModel()
  pushed.uri = str(tmp_path / "pushed")
  base = tmp_path / "serving"
  destination = pusher_pb2.PushDestination(filesystem=pusher_pb2.PushDestination.Filesystem(
      base_directory=str(base)))
  PusherExecutor().Do({"infra_blessing": [blessing]}, {"pushed_model": [pushed]},
                      {"push_destination": destination})
  assert pushed.get("pushed") == 1
  assert os.path.isfile(os.path.join(pushed.get("pushed_destination"), serving.WARMUP_FILE))
  # The server replays the records before the version serves, and then answers.
  with serving.ModelServer(str(base), model_name="warm") as server:
    answer = serving.RestClient(server.rest_url, "warm").predict(
        instances=[{"b64": base64.b64encode(_example_bytes(4.0)).decode()}])
  assert answer["predictions"] == [8.0]


def _example_bytes(x):
  example = tf.train.Example()
  example.features.feature["x"].float_list.value.append(x)
  return example.SerializeToString()


def test_a_model_that_cannot_answer_the_examples_is_not_blessed_nor_pushed(tmp_path):
  examples = _examples(tmp_path)
  model = _model(tmp_path, "wrong_feature", parses="z")  # The examples have no feature z.
  blessing = _validate(tmp_path, model, QUERY, examples)
  assert blessing.get("blessed") == 0 and os.listdir(blessing.uri) == ["INFRA_NOT_BLESSED"]
  assert "did not answer" in blessing.get("reason") and "z" in blessing.get("reason")

  pushed = PushedModel()
  pushed.uri = str(tmp_path / "pushed")
  destination = pusher_pb2.PushDestination(filesystem=pusher_pb2.PushDestination.Filesystem(
      base_directory=str(tmp_path / "serving")))
  PusherExecutor().Do({"model": [model], "infra_blessing": [blessing]},
                      {"pushed_model": [pushed]}, {"push_destination": destination})
  assert pushed.get("pushed") == 0 and "InfraValidator" in pushed.get("push_refused")
  assert not os.path.exists(tmp_path / "serving") or not os.listdir(tmp_path / "serving")


def test_a_model_that_does_not_load_is_not_blessed(tmp_path):
  model = Model()
  model.uri = str(tmp_path / "broken")
  os.makedirs(model.serving_model_dir)
  with open(os.path.join(model.serving_model_dir, "saved_model.pb"), "wb") as f:
    f.write(b"garbage")
  blessing = _validate(tmp_path, model)
  assert blessing.get("blessed") == 0
  assert blessing.get("reason").startswith("the model did not load: cannot load SavedModel")


def test_bad_specs_are_refused_clearly(tmp_path):
  model = _model(tmp_path, "m")
  with pytest.raises(ValueError, match="request_spec needs the examples input"):
    _validate(tmp_path, model, QUERY)
  spec = infra_validator_pb2.RequestSpec(split_name="test", num_examples=1)
  with pytest.raises(ValueError, match="'test' is not a split of the examples"):
    _validate(tmp_path, model, spec, _examples(tmp_path))
  blessing = InfraBlessing()
  blessing.uri = str(tmp_path / "k8s")
  with pytest.raises(NotImplementedError, match="kubernetes"):
    InfraValidatorExecutor().Do(
        {"model": [model]}, {"blessing": [blessing]},
        {"serving_spec": infra_validator_pb2.ServingSpec(
            kubernetes=infra_validator_pb2.KubernetesConfig())})
