"""InfraValidator's executor: the model in a real tfx_core_model_server process, loaded from a
versioned directory as the Pusher would publish it, then queried through TF Serving's REST API
(the same C++ handlers as gRPC's; it needs no tensorflow-serving-api client). The blessing
records why a model failed; with request_spec.make_warmup, a blessed model is copied into the
blessing with the requests that passed as its warm-up file (TFX's layout), for the Pusher."""

import base64
import logging
import os
import shutil
import tempfile

import pyarrow.parquet as pq

from tfx_core import serving
from tfx_core._native import ext
from tfx_core.dsl import BaseExecutor
from tfx_core.proto import infra_validator_pb2

log = logging.getLogger("tfx_core.components.InfraValidator")

DEFAULT_MODEL_NAME = "infra-validation-model"
DEFAULT_MAX_LOADING_TIME_SECONDS = 300  # TFX's defaults.
DEFAULT_NUM_TRIES = 5


def _check_serving_spec(spec):
  if spec.WhichOneof("serving_binary") not in (None, "tensorflow_serving"):
    raise ValueError("InfraValidator: serving_spec.serving_binary must be tensorflow_serving "
                     "(served by tfx_core_model_server, which speaks its API)")
  if spec.WhichOneof("serving_platform") == "kubernetes":
    raise NotImplementedError("InfraValidator: serving_spec.kubernetes is not supported by "
                              "tfx_core yet; leave serving_platform unset or local_docker to "
                              "validate in a local tfx_core_model_server process")


def _request_examples(examples, request_spec):
  """request_spec.num_examples serialized tf.Examples from the requested split."""
  if examples is None:
    raise ValueError("InfraValidator: request_spec needs the examples input")
  splits = examples.split_names
  split = request_spec.split_name or ("eval" if "eval" in splits else (splits or [""])[0])
  if split not in splits:
    raise ValueError("InfraValidator: request_spec.split_name %r is not a split of the examples "
                     "(they have %s)" % (split, ", ".join(splits)))
  wanted = request_spec.num_examples or 1
  files = sorted(f for f in os.listdir(examples.split_uri(split)) if f.endswith(".parquet"))
  rows = []
  for name in files:
    for batch in pq.ParquetFile(os.path.join(examples.split_uri(split), name)).iter_batches(
        batch_size=wanted - len(rows)):
      rows += ext.data.encode_examples(batch.schema.names, list(batch.columns), batch.num_rows)
      if len(rows) >= wanted:
        return rows[:wanted]
  if not rows:
    raise ValueError("InfraValidator: split %r of the examples is empty" % split)
  return rows


def _example_json(serialized):
  """A serialized tf.Example as the REST API's feature object."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  features = {}
  for name, feature in tf.train.Example.FromString(serialized).features.feature.items():
    kind = feature.WhichOneof("kind")
    values = list(getattr(feature, kind).value) if kind else []
    if kind == "bytes_list":
      values = [{"b64": base64.b64encode(v).decode()} for v in values]
    features[name] = values
  return features


def _query(client, model_name, signature_names, examples):
  """Sends the examples through each signature the way its method says; raises ServingError.
  Returns the requests as serialized PredictionLogs (the warm-up records)."""
  records = []
  signatures = client.metadata()["metadata"]["signature_def"]["signature_def"]
  for name in signature_names or ["serving_default"]:
    if name not in signatures:
      raise ValueError("signature %r is not in the model (it has %s)" % (
          name, ", ".join(sorted(s for s in signatures if not s.startswith("__")))))
    signature = signatures[name]
    method = signature.get("method_name", "")
    if method in (serving.CLASSIFY_METHOD, serving.REGRESS_METHOD):
      call = client.classify if method == serving.CLASSIFY_METHOD else client.regress
      call([_example_json(e) for e in examples], signature_name=name)
      records.append(serving.prediction_log(method, model_name, name, examples))
      continue
    inputs = signature.get("inputs", {})
    if len(inputs) != 1 or next(iter(inputs.values())).get("dtype") != "DT_STRING":
      raise ValueError("signature %r does not take serialized tf.Examples (its inputs: %s), so "
                       "requests cannot be built from examples" % (name, ", ".join(inputs)))
    client.predict(instances=[{"b64": base64.b64encode(e).decode()} for e in examples],
                   signature_name=name)
    records.append(serving.prediction_log(serving.PREDICT_METHOD, model_name, name, examples,
                                          input_alias=next(iter(inputs))))
  return records


class InfraValidatorExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    model = input_dict["model"][0]
    blessing = output_dict["blessing"][0]
    serving_spec = exec_properties["serving_spec"]
    _check_serving_spec(serving_spec)
    validation = exec_properties.get("validation_spec") or infra_validator_pb2.ValidationSpec()
    request_spec = exec_properties.get("request_spec")
    max_loading = validation.max_loading_time_seconds or DEFAULT_MAX_LOADING_TIME_SECONDS
    tries = validation.num_tries or DEFAULT_NUM_TRIES
    model_name = serving_spec.model_name or DEFAULT_MODEL_NAME
    examples = None
    if request_spec is not None:
      examples = _request_examples((input_dict.get("examples") or [None])[0], request_spec)
    signature_names = list(request_spec.tensorflow_serving.signature_names) if request_spec \
        else []

    reason, warmup = None, []
    with tempfile.TemporaryDirectory(prefix="infra_validation_") as tmp:
      base = os.path.join(tmp, model_name)
      os.makedirs(base)
      os.symlink(os.path.abspath(model.serving_model_dir), os.path.join(base, "1"))
      for attempt in range(1, tries + 1):
        reason, warmup = _try(base, model_name, max_loading, examples, signature_names)
        if reason is None:
          break
        log.info("infra validation attempt %d of %d failed: %s", attempt, tries, reason)
        if reason.startswith("the model did not load"):
          break  # Deterministic: more tries would fail the same way.
    os.makedirs(blessing.uri, exist_ok=True)
    blessed = reason is None
    with open(os.path.join(blessing.uri, blessing.BLESSED_FILE if blessed
                           else blessing.NOT_BLESSED_FILE), "w"):
      pass
    blessing.set("blessed", int(blessed))
    blessing.set("validation_mode", "LOAD_AND_QUERY" if examples else "LOAD_ONLY")
    if not blessed:
      blessing.set("reason", reason)
    elif request_spec is not None and request_spec.make_warmup:
      shutil.copytree(model.serving_model_dir, blessing.stamped_model_dir)
      serving.write_warmup_file(blessing.stamped_model_dir, warmup)
      blessing.set("has_model", 1)
    log.info("%s%s", "INFRA_BLESSED" if blessed else "INFRA_NOT_BLESSED",
             "" if blessed else ": " + reason)


def _try(base, model_name, max_loading, examples, signature_names):
  """(None, the requests sent as PredictionLogs) when the model loads (and answers);
  otherwise (why not, [])."""
  try:
    server = serving.ModelServer(base, model_name=model_name, startup_timeout=max_loading,
                                 flags={"file_system_poll_wait_seconds": 0}).start()
  except RuntimeError as e:
    return "the model server did not start: %s" % str(e).splitlines()[0], []
  try:
    client = serving.RestClient(server.rest_url, model_name, timeout=max_loading)
    try:
      status = client.status()["model_version_status"]
    except serving.ServingError as e:
      return "the model did not load: %s" % e.message, []
    if status[0]["state"] != "AVAILABLE":
      return "the model did not load: %s" % status[0]["status"]["error_message"], []
    if not examples:
      return None, []
    try:
      return None, _query(client, model_name, signature_names, examples)
    except (serving.ServingError, ValueError) as e:
      return "the model did not answer: %s" % e, []
  finally:
    server.stop()
