"""The C++ model server through TF Serving's REST API and the official gRPC client.

Every model here is a real SavedModel written by TensorFlow in the test; the server is the real
binary on loopback, driven by tfx_core.serving's subprocess manager and clients.
"""

import concurrent.futures
import json
import os
import socket
import subprocess
import threading
import time

import numpy as np
import pytest
import requests
import tensorflow as tf

from tfx_core import serving

from serving_models import WEIGHTS, example, publish, save_classify_regress, save_mlp

@pytest.fixture(scope="module")
def mlp_server(tmp_path_factory):
  base = str(tmp_path_factory.mktemp("mlp"))
  publish(base, 1, save_mlp)
  monitoring = os.path.join(base, "..", "monitoring.pbtxt")
  with open(monitoring, "w") as f:
    f.write("prometheus_config { enable: true }\n")
  access_log = os.path.join(base, "..", "access.jsonl")
  with serving.ModelServer(base, model_name="mlp",
                           flags={"monitoring_config_file": monitoring,
                                  "max_request_bytes": 1 << 20,
                                  "access_log_file": access_log}) as server:
    server.access_log = access_log
    yield server


def test_rest_predict_row_and_columnar_formats(mlp_server):
  rest = serving.RestClient(mlp_server.rest_url, "mlp")
  x = np.array([[1, 2, 3], [4, 5, 6.5]], np.float32)
  rows = rest.predict(instances=x.tolist())["predictions"]
  assert [r["y"] for r in rows] == (x @ WEIGHTS).tolist()
  # String outputs under a "_bytes" alias come back base64-encoded, as TF Serving does.
  assert [r["sum_bytes"] for r in rows] == [{"b64": "Ni4w"}, {"b64": "MTUuNQ=="}]
  columns = rest.predict(inputs={"x": x.tolist()})["outputs"]
  assert columns["y"] == (x @ WEIGHTS).tolist()
  # NaN and Infinity are JSON tokens both ways.
  body = '{"inputs": [[NaN, 0, 0], [0, 1, Infinity]]}'
  answer = requests.post(mlp_server.rest_url + "/v1/models/mlp:predict", data=body).text
  assert '"y":[[NaN,NaN],[Infinity,Infinity]]' in answer.replace(" ", "")


def test_rest_named_signature_b64_and_int_inputs(mlp_server):
  rest = serving.RestClient(mlp_server.rest_url, "mlp")
  out = rest.predict(instances=[{"text": {"b64": "aGk="}, "n": 7}, {"text": "yo", "n": -2}],
                     signature_name="repeat")
  assert out["predictions"] == ["hi#7", "yo#-2"]
  with pytest.raises(serving.ServingError) as e:
    rest.predict(instances=[{"text": "a", "n": 1.5}], signature_name="repeat")
  assert e.value.code == 400 and "'n' expects integers" in e.value.message
  with pytest.raises(serving.ServingError) as e:
    rest.predict(instances=[[1, 2, 3]], signature_name="nope")
  assert e.value.code == 404 and "repeat" in e.value.message


def test_rest_status_metadata_and_lookup_errors(mlp_server):
  rest = serving.RestClient(mlp_server.rest_url, "mlp")
  status = rest.status()["model_version_status"]
  assert status == [{"version": "1", "state": "AVAILABLE",
                     "status": {"error_code": "OK", "error_message": ""}}]
  assert rest.status(version=1) == {"model_version_status": status}
  metadata = rest.metadata()
  assert metadata["model_spec"] == {"name": "mlp", "version": "1", "signature_name": ""}
  signatures = metadata["metadata"]["signature_def"]["signature_def"]
  assert signatures["serving_default"]["inputs"]["x"]["dtype"] == "DT_FLOAT"
  assert set(signatures["repeat"]["inputs"]) == {"text", "n"}
  for call, code, words in [
      (lambda: serving.RestClient(mlp_server.rest_url, "other").predict(instances=[[1, 2, 3]]),
       404, "Servable not found for request: Latest(other)"),
      (lambda: rest.predict(instances=[[1, 2, 3]], version=9), 404, "Specific(mlp, 9)"),
      (lambda: rest.predict(instances=[[1, 2, 3]], label="stable"), 400,
       "Unrecognized servable version label: stable"),
      (lambda: rest.status(version=5), 404, "Could not find version 5 of model mlp"),
  ]:
    with pytest.raises(serving.ServingError) as e:
      call()
    assert e.value.code == code and words in e.value.message, e.value


def test_grpc_predict_metadata_and_status_with_the_official_client(mlp_server):
  client = serving.GrpcClient(mlp_server.grpc_target, "mlp")
  x = np.array([[1, 0, 0], [0.5, 1, 2]], np.float32)
  response = client.predict({"x": x})
  assert response.model_spec.name == "mlp" and response.model_spec.version.value == 1
  assert response.model_spec.signature_name == "serving_default"
  np.testing.assert_array_equal(tf.make_ndarray(response.outputs["y"]), x @ WEIGHTS)
  only = client.predict_arrays({"x": x}, output_filter=["sum_bytes"])
  assert list(only) == ["sum_bytes"] and only["sum_bytes"].tolist() == [b"1.0", b"3.5"]
  assert set(client.metadata().signature_def) >= {"serving_default", "repeat"}
  status = client.status()
  assert [(s.version, s.state) for s in status.model_version_status] == [(1, 30)]
  with pytest.raises(serving.ServingError) as e:
    client.predict({"x": x.astype(np.float64)})
  assert e.value.code == "INVALID_ARGUMENT" and "expects float but got double" in e.value.message
  with pytest.raises(serving.ServingError) as e:
    client.predict({"z": x})
  assert e.value.code == "INVALID_ARGUMENT" and "Missing but required: {x}" in e.value.message
  with pytest.raises(serving.ServingError) as e:
    serving.GrpcClient(mlp_server.grpc_target, "ghost").predict({"x": x})
  assert e.value.code == "NOT_FOUND"
  client.close()


def test_hostile_requests_get_errors_and_good_ones_keep_their_answers(mlp_server):
  url = mlp_server.rest_url + "/v1/models/mlp:predict"
  cases = [
      ("{not json", 400, "JSON Parse error"),
      ('[1, 2]', 400, "must be a JSON object"),
      ('{"instances": [[1, 2]]}', 400, "Matrix size-incompatible"),
      ('{"instances": [[1, 2, 3], [1, 2]]}', 400, "not a rectangular list"),
      ('{"instances": [["a", "b", "c"]]}', 400, "expects numbers"),
      ('{"instances": [[1, 2, 3]], "inputs": {}}', 400, "both"),
      ('{"signature_name": 3, "instances": [[1, 2, 3]]}', 400, "signature_name"),
      ('{}', 400, "Missing 'inputs' or 'instances' key"),
  ]
  for body, code, words in cases:
    response = requests.post(url, data=body)
    assert response.status_code == code and words in response.json()["error"], (body, response.text)
  assert requests.post(url, data="x" * (2 << 20)).status_code == 413
  assert requests.get(mlp_server.rest_url + "/v2/anything").status_code == 404
  assert requests.post(mlp_server.rest_url + "/v1/models/mlp:explain", data="{}").status_code == 404

  # Thousands of malformed bodies from several threads, with good requests in between.
  rng = np.random.default_rng(7)
  good = json.dumps({"instances": [[1, 2, 3]]})
  bodies = [good[: rng.integers(0, len(good))] + "".join(
      chr(c) for c in rng.integers(32, 127, size=rng.integers(0, 12))) for _ in range(3000)]
  session_local = threading.local()

  def send(body):
    session = getattr(session_local, "s", None) or requests.Session()
    session_local.s = session
    response = session.post(url, data=body)
    return response.status_code, response.text

  with concurrent.futures.ThreadPoolExecutor(8) as pool:
    results = list(pool.map(send, bodies + [good] * 200))
  assert all(code in (200, 400) for code, _ in results)
  expected = {"predictions": [{"y": [16.0, 22.0], "sum_bytes": {"b64": "Ni4w"}}]}
  assert all(json.loads(text) == expected for code, text in results[-200:])
  assert mlp_server.returncode is None

  # The access log stays one JSON object a line, even for a model name with quotes in it.
  requests.post(mlp_server.rest_url + '/v1/models/a"b\\c:predict', data="{}")
  with open(mlp_server.access_log) as f:
    entries = [json.loads(line) for line in f]
  assert {"time", "entrypoint", "peer", "model", "version", "api", "status", "latency_us"} <= \
      set(entries[0])
  assert any(e["model"] == 'a"b\\c' and e["status"] == "404" for e in entries)
  assert sum(e["model"] == "mlp" and e["api"] == "predict" for e in entries) >= 3200


def test_prometheus_metrics_count_requests_per_model_version_and_api(mlp_server):
  rest = serving.RestClient(mlp_server.rest_url, "mlp")
  for _ in range(3):
    rest.predict(instances=[[1, 2, 3]])
  text = rest.metrics()
  line = [l for l in text.splitlines() if l.startswith(":tensorflow:serving:request_count{") and
          'API="predict"' in l and 'entrypoint="REST"' in l and 'status="200"' in l]
  assert line and int(line[0].rsplit(" ", 1)[1]) >= 3
  assert ':tensorflow:serving:request_latency_bucket{model_name="mlp",model_version="1"' in text
  assert ('model_version_state{model_name="mlp",model_version="1",state="AVAILABLE"} 1' in text)


def test_classify_regress_and_multi_inference(tmp_path):
  base = str(tmp_path / "cr")
  publish(base, 3, save_classify_regress)
  with serving.ModelServer(base, model_name="cr") as server:
    rest = serving.RestClient(server.rest_url, "cr")
    results = rest.classify([{"x": 0.5}, {"x": -1.0, "k": 2}])
    labels = [[c[0] for c in r] for r in results]
    assert labels == [["neg", "pos"], ["neg", "pos"]]
    np.testing.assert_allclose([r[1][1] for r in results], [1 / (1 + np.exp(-0.5)),
                                                            1 / (1 + np.exp(2.0))], rtol=1e-6)
    # The context's features reach every example; the example's own win.
    assert rest.regress([{"x": 1.0}, {"x": 2.0, "k": 1}], context={"k": 3},
                        signature_name="regress") == [7.0, 5.0]
    with pytest.raises(serving.ServingError) as e:
      rest.regress([{"x": 1.0}])  # serving_default is a classify signature.
    assert e.value.code == 400 and "tensorflow/serving/regress" in e.value.message

    client = serving.GrpcClient(server.grpc_target, "cr")
    response = client.classify([example(x=0.0)])
    assert [(c.label, round(c.score, 6)) for c in response.result.classifications[0].classes] == [
        ("neg", 0.5), ("pos", 0.5)]
    regression = client.regress([example(x=1.5)], signature_name="regress")
    assert regression.result.regressions[0].value == pytest.approx(4.0)
    multi = client.multi_inference([("classify", "tensorflow/serving/classify"),
                                    ("regress", "tensorflow/serving/regress")],
                                   [example(x=2.0), example(x=-2.0)])
    assert [r.model_spec.signature_name for r in multi.results] == ["classify", "regress"]
    assert [r.value for r in multi.results[1].regression_result.regressions] == [5.0, -3.0]
    client.close()


def test_new_versions_swap_in_under_load_without_failures(tmp_path):
  base = str(tmp_path / "swap")
  publish(base, 1, save_mlp)
  with serving.ModelServer(base, model_name="m",
                           flags={"file_system_poll_wait_seconds": 1}) as server:
    rest = serving.RestClient(server.rest_url, "m")
    seen, failures, stop = set(), [], threading.Event()

    def hammer():
      client = serving.RestClient(server.rest_url, "m")
      while not stop.is_set():
        try:
          seen.add(client.predict(instances=[[1, 0, 0]])["predictions"][0]["y"][1])
        except Exception as e:  # pylint: disable=broad-except
          failures.append(repr(e))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
      t.start()
    time.sleep(0.5)
    publish(base, 2, save_mlp, scale=10.0)
    server.wait_until(lambda: 10.0 in seen, timeout=60)
    # A version that cannot load shows its error while version 2 keeps serving.
    os.makedirs(os.path.join(base, "3"))
    with open(os.path.join(base, "3", "saved_model.pb"), "wb") as f:
      f.write(b"not a SavedModel")
    server.wait_until(
        lambda: any(s["version"] == "3" and s["status"]["error_code"] != "OK"
                    for s in rest.status()["model_version_status"]), timeout=60)
    time.sleep(0.5)
    stop.set()
    for t in threads:
      t.join()
    assert failures == []
    assert seen == {1.0, 10.0}
    states = {s["version"]: s for s in rest.status()["model_version_status"]}
    assert states["1"]["state"] == "END" and states["2"]["state"] == "AVAILABLE"
    assert states["3"]["state"] == "END" and "cannot load SavedModel" in \
        states["3"]["status"]["error_message"]
    assert rest.predict(instances=[[0, 1, 0]])["predictions"][0]["y"] == [20.0, 30.0]


def test_config_file_policies_labels_and_reload_over_grpc(tmp_path):
  base = str(tmp_path / "multi")
  for version, scale in [(1, 1.0), (2, 2.0), (3, 3.0)]:
    publish(base, version, save_mlp, scale=scale)
  config = tmp_path / "models.pbtxt"
  config.write_text("""
model_config_list {
  config {
    name: "a"  base_path: "%s"  model_platform: "tensorflow"
    model_version_policy { specific { versions: 1 versions: 3 } }
    version_labels { key: "stable" value: 1 }
    version_labels { key: "canary" value: 3 }
  }
  config { name: "b"  base_path: "%s"  model_version_policy { all {} } }
}
""" % (base, base))
  with serving.ModelServer(model_config_file=str(config)) as server:
    a = serving.RestClient(server.rest_url, "a")
    y = lambda client, **kw: client.predict(instances=[[1, 0, 0]], **kw)["predictions"][0]["y"][1]
    assert y(a) == 3.0 and y(a, label="stable") == 1.0 and y(a, label="canary") == 3.0
    assert [s["version"] for s in a.status()["model_version_status"]] == ["1", "3"]
    b = serving.RestClient(server.rest_url, "b")
    assert [y(b, version=v) for v in (1, 2, 3)] == [1.0, 2.0, 3.0]

    client = serving.GrpcClient(server.grpc_target, "a")
    client.reload_config('model_config_list { config { name: "c" base_path: "%s" '
                         'model_version_policy { latest { num_versions: 2 } } } }' % base)
    c = serving.RestClient(server.rest_url, "c")
    assert [s["version"] for s in c.status()["model_version_status"]] == ["2", "3"]
    assert y(c) == 3.0
    with pytest.raises(serving.ServingError) as e:
      y(a)
    assert e.value.code == 404
    with pytest.raises(serving.ServingError) as e:
      client.reload_config('model_config_list { config { name: "d" base_path: "relative" } }')
    assert e.value.code == "INVALID_ARGUMENT" and "absolute base_path" in e.value.message
    client.close()


def test_models_using_tfx_core_ops_serve_with_the_op_library(tmp_path):
  import tfx_core.ops as tfx_ops
  base = str(tmp_path / "ops")

  def save(path):
    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
      return {"bucket": tfx_ops.bucketize(x, [0.0, 10.0])}

    module.serve = serve
    tf.saved_model.save(module, path, signatures={"serving_default": serve})

  publish(base, 1, save)
  with serving.ModelServer(base, model_name="ops") as server:
    out = serving.RestClient(server.rest_url, "ops").predict(instances=[-1.0, 5.0, 50.0])
    expected = tfx_ops.bucketize(tf.constant([-1.0, 5.0, 50.0]), [0.0, 10.0]).numpy().tolist()
    assert out["predictions"] == expected


def test_flags_help_and_startup_errors(tmp_path):
  binary = serving.server_binary()
  done = subprocess.run([binary, "--help"], capture_output=True, text=True)
  assert done.returncode == 0 and "--model_config_file" in done.stdout
  assert "--file_system_poll_wait_seconds" in done.stdout
  for argv, words in [
      (["--porrt=1"], "unknown flag --porrt"),
      (["--port=abc"], "flag --port: expected a 32-bit integer, got 'abc'"),
      ([], "Both --model_base_path and --model_config_file are empty"),
      (["--model_config_file=%s" % (tmp_path / "missing.pbtxt")], "cannot read"),
      (["--model_base_path=%s" % tmp_path, "--access_log_file=/nonexistent/dir/log"],
       "--access_log_file: cannot open /nonexistent/dir/log"),
  ]:
    done = subprocess.run([binary] + argv, capture_output=True, text=True)
    assert done.returncode != 0 and words in done.stderr, (argv, done.stderr)
  bad = tmp_path / "bad.pbtxt"
  bad.write_text("model_config_list { config { nme: 'x' } }")
  done = subprocess.run([binary, "--model_config_file=%s" % bad], capture_output=True, text=True)
  assert done.returncode == 1 and "not a valid tensorflow.serving.ModelServerConfig" in done.stderr
  # An occupied REST port is refused, naming it.
  with socket.socket() as s:
    s.bind(("0.0.0.0", 0))
    s.listen()
    port = s.getsockname()[1]
    base = tmp_path / "empty"
    base.mkdir()
    done = subprocess.run([binary, "--port=0", "--rest_api_port=%d" % port,
                           "--model_base_path=%s" % base], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and str(port) in done.stderr


def test_dynamic_batching_merges_concurrent_requests_and_bounds_its_queue(tmp_path):
  base = str(tmp_path / "batch")
  publish(base, 1, save_mlp)
  parameters = tmp_path / "batching.pbtxt"
  parameters.write_text("max_batch_size { value: 8 }  batch_timeout_micros { value: 20000 }\n"
                        "max_enqueued_batches { value: 4 }  num_batch_threads { value: 1 }\n"
                        "allowed_batch_sizes: 4  allowed_batch_sizes: 8\n")
  monitoring = tmp_path / "monitoring.pbtxt"
  monitoring.write_text("prometheus_config { enable: true }")
  flags = {"batching_parameters_file": str(parameters), "monitoring_config_file": str(monitoring)}
  with serving.ModelServer(base, model_name="b", flags=flags) as server:
    rows = np.random.default_rng(3).normal(size=(24, 3)).astype(np.float32)

    def one(i):
      return serving.RestClient(server.rest_url, "b").predict(instances=rows[i:i + 1].tolist())

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
      answers = list(pool.map(one, range(len(rows))))
    got = np.array([a["predictions"][0]["y"] for a in answers])
    np.testing.assert_allclose(got, rows @ WEIGHTS, rtol=1e-6)
    text = serving.RestClient(server.rest_url, "b").metrics()
    sizes = {int(l.split('batch_size="')[1].split('"')[0]): int(l.rsplit(" ", 1)[1])
             for l in text.splitlines() if l.startswith(":tensorflow:serving:batching_session:"
                                                          "batch_size{")}
    # Batches are padded to an allowed size, and concurrent requests shared them.
    assert set(sizes) <= {4, 8} and sum(sizes.values()) < len(rows)
    # A request larger than a batch is refused, naming both sizes.
    with pytest.raises(serving.ServingError) as e:
      serving.RestClient(server.rest_url, "b").predict(instances=rows[:9].tolist())
    assert e.value.code == 400 and "Task size 9 is larger than maximum batch size 8" in e.value.message

  # A full queue rejects at once with 503 rather than growing.
  parameters.write_text("max_batch_size { value: 1 }  batch_timeout_micros { value: 0 }\n"
                        "max_enqueued_batches { value: 1 }  num_batch_threads { value: 1 }\n")
  with serving.ModelServer(base, model_name="b", flags=flags) as server:
    big = np.ones((1, 3), np.float32).tolist()

    def status(_):
      response = requests.post(server.rest_url + "/v1/models/b:predict",
                               data=json.dumps({"instances": big}))
      return response.status_code, response.json()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
      results = list(pool.map(status, range(400)))
    codes = [c for c, _ in results]
    assert set(codes) <= {200, 503} and codes.count(200) > 0 and codes.count(503) > 0
    assert all("queue" in body["error"] and "full" in body["error"]
               for code, body in results if code == 503)


def _save_ragged_max(path):
  """serving_default: the max of each row of x [None, None] (padding with a row's own first
  element cannot change it), and x itself, to see the padding."""
  module = tf.Module()

  @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32, name="x")])
  def serve(x):
    return {"max": tf.reduce_max(x, axis=1), "x": x}

  module.serve = serve
  tf.saved_model.save(module, path, signatures={"serving_default": serve})


def test_pad_variable_length_inputs_batches_requests_of_different_lengths(tmp_path):
  base = str(tmp_path / "ragged")
  publish(base, 1, _save_ragged_max)
  parameters = tmp_path / "batching.pbtxt"
  parameters.write_text("max_batch_size { value: 16 }  batch_timeout_micros { value: 50000 }\n"
                        "num_batch_threads { value: 1 }  pad_variable_length_inputs: true\n")
  monitoring = tmp_path / "monitoring.pbtxt"
  monitoring.write_text("prometheus_config { enable: true }")
  rng = np.random.default_rng(5)
  rows = [rng.normal(size=n).astype(np.float32) for n in rng.integers(1, 9, size=32)]
  with serving.ModelServer(base, model_name="r", flags={
      "batching_parameters_file": str(parameters),
      "monitoring_config_file": str(monitoring)}) as server:

    def one(row):
      return serving.RestClient(server.rest_url, "r").predict(inputs={"x": [row.tolist()]})

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
      answers = list(pool.map(one, rows))
    np.testing.assert_allclose([a["outputs"]["max"][0] for a in answers],
                               [r.max() for r in rows], rtol=1e-6)
    for row, answer in zip(rows, answers):
      (padded,) = answer["outputs"]["x"]
      # The row, then its own first element up to the batch's longest row.
      np.testing.assert_allclose(padded[:len(row)], row, rtol=1e-6)
      np.testing.assert_allclose(padded[len(row):], [row[0]] * (len(padded) - len(row)),
                                 rtol=1e-6)
    text = serving.RestClient(server.rest_url, "r").metrics()
    batches = sum(int(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                  if l.startswith(":tensorflow:serving:batching_session:batch_size{"))
    assert batches < len(rows)  # Rows of different lengths shared batches.
    assert any(len(a["outputs"]["x"][0]) > len(r) for r, a in zip(rows, answers))


def test_keras_3_models_serve_when_exported_with_export_serving_model(tmp_path):
  import keras
  from tfx_core import training
  inputs = keras.Input(shape=(3,), name="x")
  model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(4, "relu")(inputs)))

  @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
  def serve(x):
    return {"y": model(x)}

  x = np.array([[1, 2, 3], [0.5, -1, 0]], np.float32)
  plain, exported = str(tmp_path / "plain"), str(tmp_path / "exported")
  publish(plain, 1, lambda p: tf.saved_model.save(model, p, signatures={"serving_default": serve}))
  publish(exported, 1, lambda p: training.export_serving_model(model, p,
                                                                {"serving_default": serve}))
  with serving.ModelServer(exported, model_name="k") as server:
    got = serving.RestClient(server.rest_url, "k").predict(instances=x.tolist())["predictions"]
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-6)
  # A plain tf.saved_model.save of a Keras 3 model never restores the signatures' variables in
  # C++: the warm-up catches it, and the status says why.
  with serving.ModelServer(plain, model_name="k") as server:
    (status,) = serving.RestClient(server.rest_url, "k").status()["model_version_status"]
    assert status["state"] == "END" and "Could not find variable" in \
        status["status"]["error_message"]
