"""The model server's request log: sampled requests and their responses as Parquet files.

Real servers on loopback with real SavedModels; the files are read back with pyarrow, the way
the monitor reads them.
"""

import concurrent.futures
import glob
import os
import re
import subprocess
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core import serving

from serving_models import WEIGHTS, example, publish, save_classify_regress, save_mlp


def _log_files(log_dir, model):
  """The finished files of `model`, oldest first; no unfinished file may be left behind."""
  directory = os.path.join(log_dir, model)
  assert not [f for f in os.listdir(directory) if f.startswith(".")], os.listdir(directory)
  names = sorted(os.listdir(directory))
  assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-\d+-\d+\.parquet", n) for n in names), names
  return [os.path.join(directory, n) for n in names]


def _read_log(log_dir, model):
  return pa.concat_tables([pq.read_table(f) for f in _log_files(log_dir, model)],
                          promote_options="permissive")


def _monitoring_config(tmp_path):
  path = str(tmp_path / "monitoring.pbtxt")
  with open(path, "w") as f:
    f.write("prometheus_config { enable: true }\n")
  return path


def _metric(metrics_text, model, status):
  match = re.search(r':tensorflow:serving:request_log_count\{model_name="%s",status="%s"\} (\d+)'
                    % (model, status), metrics_text)
  return int(match.group(1)) if match else 0


def test_logs_every_example_with_its_response_over_rest_and_grpc(tmp_path):
  base, log_dir = str(tmp_path / "mlp"), str(tmp_path / "logs")
  publish(base, 1, save_mlp)
  with serving.ModelServer(base, model_name="mlp",
                           flags={"request_log_dir": log_dir,
                                  "monitoring_config_file": _monitoring_config(tmp_path)}) as server:
    rest = serving.RestClient(server.rest_url, "mlp")
    rest.predict(instances=[[1, 2, 3], [4, 5, 6]], request_id="order-17")
    assert rest.last_request_id == "order-17"
    rest.predict(inputs={"x": [[0.5, 0, -1]]})
    generated = rest.last_request_id
    assert re.fullmatch(r"[0-9a-f]{16}-\d+", generated)
    rest.predict(inputs={"text": ["a", "b"], "n": [7, 8]}, signature_name="repeat")
    grpc = serving.GrpcClient(server.grpc_target, "mlp")
    grpc.predict({"x": np.array([[1, 1, 1]], np.float32)})
    grpc.close()
    with pytest.raises(serving.ServingError):
      rest.predict(inputs={"x": [[1, 2]]})  # A failed request is not logged.
    metrics_before_stop = rest.metrics()
  # Stopping the server closes (and so publishes) the open files.
  table = _read_log(log_dir, "mlp")
  assert _metric(metrics_before_stop, "mlp", "OK") == 0  # Nothing rotated yet (60 s default).

  default = table.filter(pa.compute.equal(table["signature_name"], "serving_default"))
  assert default["request_id"].to_pylist()[:3] == ["order-17", "order-17", generated]
  assert default["example_index"].to_pylist() == [0, 1, 0, 0]
  assert default["frontend"].to_pylist() == ["REST", "REST", "REST", "GRPC"]
  assert set(default["model_name"].to_pylist()) == {"mlp"}
  assert set(default["model_version"].to_pylist()) == {1}
  inputs = default["inputs"].combine_chunks().field("x").to_pylist()
  assert inputs == [[1, 2, 3], [4, 5, 6], [0.5, 0, -1], [1, 1, 1]]
  outputs = default["outputs"].combine_chunks()
  np.testing.assert_allclose(outputs.field("y").to_pylist(), np.array(inputs) @ WEIGHTS)
  assert outputs.field("sum_bytes").to_pylist() == [[b"6.0"], [b"15.0"], [b"-0.5"], [b"3.0"]]
  assert all(t > 0 for t in default["latency_us"].to_pylist())
  times = default["time"].to_pylist()
  assert times == sorted(times) and str(default.schema.field("time").type) == "timestamp[us, tz=UTC]"

  repeat = table.filter(pa.compute.equal(table["signature_name"], "repeat"))
  assert repeat["inputs"].combine_chunks().field("text").to_pylist() == [[b"a"], [b"b"]]
  assert repeat["inputs"].combine_chunks().field("n").to_pylist() == [[7], [8]]
  assert repeat["outputs"].combine_chunks().field("out").to_pylist() == [[b"a#7"], [b"b#8"]]


def test_classify_and_regress_log_their_serialized_examples(tmp_path):
  base, log_dir = str(tmp_path / "cr"), str(tmp_path / "logs")
  publish(base, 3, save_classify_regress)
  with serving.ModelServer(base, model_name="cr", flags={"request_log_dir": log_dir}) as server:
    serving.RestClient(server.rest_url, "cr").regress([{"x": 1.0}, {"x": 2.0}],
                                                      signature_name="regress")
    client = serving.GrpcClient(server.grpc_target, "cr")
    client.classify([example(x=0.5)])
    client.close()
  table = _read_log(log_dir, "cr")
  by_signature = {s: table.filter(pa.compute.equal(table["signature_name"], s))
                  for s in ("regress", "serving_default")}
  regress = by_signature["regress"]
  logged = [b[0] for b in regress["inputs"].combine_chunks().field("inputs").to_pylist()]
  assert [tf.train.Example.FromString(e).features.feature["x"].float_list.value[0]
          for e in logged] == [1.0, 2.0]
  assert regress["outputs"].combine_chunks().field("outputs").to_pylist() == [[3.0], [5.0]]
  classify = by_signature["serving_default"]
  assert classify["frontend"].to_pylist() == ["GRPC"]
  assert classify["outputs"].combine_chunks().field("classes").to_pylist() == [[b"neg", b"pos"]]


def test_sampling_rate_from_the_flag_and_from_the_model_config(tmp_path):
  log_dir = str(tmp_path / "logs")
  for name in ("sampled", "silent"):
    publish(str(tmp_path / name), 1, save_mlp)
  config = str(tmp_path / "models.pbtxt")
  with open(config, "w") as f:
    f.write("""model_config_list {
      config { name: "sampled" base_path: "%s" model_platform: "tensorflow" }
      config { name: "silent" base_path: "%s" model_platform: "tensorflow"
               logging_config { sampling_config { sampling_rate: 0.0 } } }
    }""" % (tmp_path / "sampled", tmp_path / "silent"))
  n = 2000
  with serving.ModelServer(model_config_file=config,
                           flags={"request_log_dir": log_dir,
                                  "request_log_sampling_rate": 0.3}) as server:
    def send(model):
      client = serving.RestClient(server.rest_url, model)
      for i in range(n // 4):
        client.predict(inputs={"x": [[i, 0, 0]]})
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
      list(pool.map(send, ["sampled"] * 4))
    serving.RestClient(server.rest_url, "silent").predict(inputs={"x": [[1, 2, 3]]})
  logged = _read_log(log_dir, "sampled").num_rows
  # Binomial(2000, 0.3): mean 600, standard deviation 20.5; five of them either side.
  assert 497 <= logged <= 703, logged
  assert not os.path.exists(os.path.join(log_dir, "silent"))


def test_files_rotate_by_size_and_age_and_each_is_complete(tmp_path):
  base, log_dir = str(tmp_path / "mlp"), str(tmp_path / "logs")
  publish(base, 1, save_mlp)
  rng = np.random.default_rng(0)
  sent = rng.normal(size=(3000, 3)).astype(np.float32)
  with serving.ModelServer(base, model_name="mlp",
                           flags={"request_log_dir": log_dir,
                                  "request_log_max_file_bytes": 16 << 10,
                                  "monitoring_config_file": _monitoring_config(tmp_path)}) as server:
    rest = serving.RestClient(server.rest_url, "mlp")
    for start in range(0, len(sent), 100):
      rest.predict(inputs={"x": sent[start:start + 100].tolist()})
    # Files closed for their size while the server runs, counted as they are published.
    deadline = time.time() + 10
    while time.time() < deadline and _metric(rest.metrics(), "mlp", "OK") == 0:
      time.sleep(0.1)
    published = _metric(rest.metrics(), "mlp", "OK")
    assert 0 < published <= len(sent) // 100
  files = _log_files(log_dir, "mlp")
  assert len(files) >= 3, files
  tables = [pq.read_table(f) for f in files]
  logged = np.array([row for t in tables for row in t["inputs"].combine_chunks().field("x").to_pylist()],
                    np.float32)
  np.testing.assert_array_equal(logged, sent)

  # Age: a file is published max_file_seconds after its first request, while the server runs.
  aged_dir = str(tmp_path / "aged")
  with serving.ModelServer(base, model_name="mlp",
                           flags={"request_log_dir": aged_dir,
                                  "request_log_max_file_seconds": 1}) as server:
    serving.RestClient(server.rest_url, "mlp").predict(inputs={"x": [[1, 2, 3]]})
    deadline = time.time() + 10
    while time.time() < deadline and not glob.glob(os.path.join(aged_dir, "mlp", "*.parquet")):
      time.sleep(0.1)
    assert pq.read_table(_log_files(aged_dir, "mlp")[0]).num_rows == 1


def test_a_full_queue_drops_records_without_failing_requests(tmp_path):
  base, log_dir = str(tmp_path / "mlp"), str(tmp_path / "logs")
  publish(base, 1, save_mlp)
  with serving.ModelServer(base, model_name="mlp",
                           flags={"request_log_dir": log_dir,
                                  "request_log_max_queue_bytes": 8,
                                  "monitoring_config_file": _monitoring_config(tmp_path)}) as server:
    rest = serving.RestClient(server.rest_url, "mlp")
    for _ in range(20):
      assert rest.predict(inputs={"x": [[1, 2, 3]]})["outputs"]["y"] == [[16, 22]]
    assert _metric(rest.metrics(), "mlp", "RESOURCE_EXHAUSTED") == 20
  assert not os.path.exists(os.path.join(log_dir, "mlp"))


def test_bad_request_log_flags_are_refused_with_the_reason(tmp_path):
  base = str(tmp_path / "mlp")
  publish(base, 1, save_mlp)
  not_a_dir = tmp_path / "file"
  not_a_dir.write_text("")
  for flags, expected in [
      (["--request_log_dir=%s/sub" % not_a_dir], "--request_log_dir: cannot create"),
      (["--request_log_dir=%s" % tmp_path, "--request_log_sampling_rate=1.5"],
       "--request_log_sampling_rate must be in [0, 1]"),
      (["--request_log_dir=%s" % tmp_path, "--request_log_max_file_seconds=0"],
       "must be positive"),
  ]:
    result = subprocess.run([serving.server_binary(), "--model_base_path=" + base, "--port=0"] +
                            flags, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and expected in result.stderr, (flags, result.stderr)
