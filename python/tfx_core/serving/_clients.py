"""Thin clients of the model server's REST and gRPC APIs (TF Serving's)."""

import json

import requests


class ServingError(Exception):
  """A request the server refused: `code` is the HTTP status or the gRPC status name."""

  def __init__(self, code, message):
    super().__init__("%s: %s" % (code, message))
    self.code = code
    self.message = message


def _model_path(model, version, label):
  if version is not None and label is not None:
    raise ValueError("give a version or a label, not both")
  path = "/v1/models/%s" % model
  if version is not None:
    path += "/versions/%d" % int(version)
  elif label is not None:
    path += "/labels/%s" % label
  return path


class RestClient:
  """TF Serving's REST API: status, metadata, predict, classify and regress.

  Keeps one HTTP connection alive across calls. Failed requests raise ServingError with the
  HTTP status and the server's "error" message. `last_request_id` is the X-Request-Id of the
  last response: the id a logged request has in the server's request log.
  """

  def __init__(self, url, model_name, timeout=30.0):
    self._url = url.rstrip("/")
    self.model_name = model_name
    self._timeout = timeout
    self._session = requests.Session()
    self.last_request_id = None

  def _call(self, method, path, body=None, request_id=None):
    response = self._session.request(
        method, self._url + path, timeout=self._timeout,
        data=None if body is None else json.dumps(body),
        headers=None if request_id is None else {"X-Request-Id": request_id})
    self.last_request_id = response.headers.get("X-Request-Id")
    try:
      payload = response.json()
    except ValueError:
      payload = {"error": response.text}
    if response.status_code != 200:
      raise ServingError(response.status_code, payload.get("error", response.text))
    return payload

  def status(self, version=None, label=None):
    return self._call("GET", _model_path(self.model_name, version, label))

  def metadata(self, version=None, label=None):
    return self._call("GET", _model_path(self.model_name, version, label) + "/metadata")

  def predict(self, instances=None, inputs=None, signature_name=None, version=None, label=None,
              request_id=None):
    """Row format (`instances`, answers "predictions") or columnar (`inputs`, "outputs").

    `request_id` is sent as X-Request-Id, the id the request log records.
    """
    if (instances is None) == (inputs is None):
      raise ValueError("give instances or inputs")
    body = {"instances": instances} if instances is not None else {"inputs": inputs}
    if signature_name:
      body["signature_name"] = signature_name
    return self._call("POST", _model_path(self.model_name, version, label) + ":predict", body,
                      request_id)

  def classify(self, examples, context=None, signature_name=None, version=None, label=None):
    return self._examples_call("classify", examples, context, signature_name, version, label)

  def regress(self, examples, context=None, signature_name=None, version=None, label=None):
    return self._examples_call("regress", examples, context, signature_name, version, label)

  def _examples_call(self, verb, examples, context, signature_name, version, label):
    body = {"examples": examples}
    if context is not None:
      body["context"] = context
    if signature_name:
      body["signature_name"] = signature_name
    return self._call("POST", _model_path(self.model_name, version, label) + ":" + verb,
                      body)["results"]

  def metrics(self, path="/monitoring/prometheus/metrics"):
    """The Prometheus metrics text (needs a monitoring config that enables them)."""
    response = self._session.get(self._url + path, timeout=self._timeout)
    if response.status_code != 200:
      raise ServingError(response.status_code, response.text)
    return response.text


class GrpcClient:
  """TF Serving's gRPC API with the official tensorflow-serving-api stubs.

  Failed calls raise ServingError with the gRPC status name (e.g. "NOT_FOUND").
  """

  def __init__(self, target, model_name, timeout=30.0):
    try:
      import grpc
      from tensorflow_serving.apis import model_service_pb2_grpc
      from tensorflow_serving.apis import prediction_service_pb2_grpc
    except ImportError as e:
      raise ImportError("GrpcClient needs grpcio and tensorflow-serving-api (install it with "
                        "`pip install --no-deps tensorflow-serving-api==2.21.0`): %s" % e) from e
    self._grpc = grpc
    self._channel = grpc.insecure_channel(target)
    self._prediction = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
    self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)
    self.model_name = model_name
    self._timeout = timeout

  def close(self):
    self._channel.close()

  def _spec(self, spec, version=None, label=None, signature_name=None):
    spec.name = self.model_name
    if version is not None:
      spec.version.value = int(version)
    if label is not None:
      spec.version_label = label
    if signature_name:
      spec.signature_name = signature_name

  def _invoke(self, method, request):
    try:
      return method(request, timeout=self._timeout)
    except self._grpc.RpcError as e:
      raise ServingError(e.code().name, e.details()) from None

  def predict(self, inputs, signature_name=None, version=None, label=None, output_filter=None):
    """`inputs`: {alias: array-like}. Returns the PredictResponse."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2
    request = predict_pb2.PredictRequest()
    self._spec(request.model_spec, version, label, signature_name)
    for alias, value in inputs.items():
      request.inputs[alias].CopyFrom(tf.make_tensor_proto(value))
    request.output_filter.extend(output_filter or [])
    return self._invoke(self._prediction.Predict, request)

  def predict_arrays(self, inputs, **kwargs):
    """predict(), with the outputs as {alias: numpy array}."""
    import tensorflow as tf
    response = self.predict(inputs, **kwargs)
    return {alias: tf.make_ndarray(proto) for alias, proto in response.outputs.items()}

  def _input(self, request, examples, context):
    if context is not None:
      request.input.example_list_with_context.examples.extend(examples)
      request.input.example_list_with_context.context.CopyFrom(context)
    else:
      request.input.example_list.examples.extend(examples)

  def classify(self, examples, context=None, signature_name=None, version=None, label=None):
    from tensorflow_serving.apis import classification_pb2
    request = classification_pb2.ClassificationRequest()
    self._spec(request.model_spec, version, label, signature_name)
    self._input(request, examples, context)
    return self._invoke(self._prediction.Classify, request)

  def regress(self, examples, context=None, signature_name=None, version=None, label=None):
    from tensorflow_serving.apis import regression_pb2
    request = regression_pb2.RegressionRequest()
    self._spec(request.model_spec, version, label, signature_name)
    self._input(request, examples, context)
    return self._invoke(self._prediction.Regress, request)

  def multi_inference(self, tasks, examples, version=None, label=None):
    """`tasks`: [(signature_name, method_name)], e.g. ("c", "tensorflow/serving/classify")."""
    from tensorflow_serving.apis import inference_pb2
    request = inference_pb2.MultiInferenceRequest()
    for signature_name, method_name in tasks:
      task = request.tasks.add()
      self._spec(task.model_spec, version, label, signature_name)
      task.method_name = method_name
    request.input.example_list.examples.extend(examples)
    return self._invoke(self._prediction.MultiInference, request)

  def metadata(self, version=None, label=None):
    """The SignatureDefMap of the version."""
    from tensorflow_serving.apis import get_model_metadata_pb2
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    self._spec(request.model_spec, version, label)
    request.metadata_field.append("signature_def")
    response = self._invoke(self._prediction.GetModelMetadata, request)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signatures)
    return signatures

  def status(self, version=None, label=None):
    from tensorflow_serving.apis import get_model_status_pb2
    request = get_model_status_pb2.GetModelStatusRequest()
    self._spec(request.model_spec, version, label)
    return self._invoke(self._models.GetModelStatus, request)

  def reload_config(self, config):
    """Replaces the served models with a ModelServerConfig (message or text format)."""
    from google.protobuf import text_format
    from tensorflow_serving.apis import model_management_pb2
    from tensorflow_serving.config import model_server_config_pb2
    if isinstance(config, str):
      config = text_format.Parse(config, model_server_config_pb2.ModelServerConfig())
    request = model_management_pb2.ReloadConfigRequest()
    request.config.CopyFrom(config)
    return self._invoke(self._models.HandleReloadConfigRequest, request)
