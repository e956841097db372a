"""Serving benchmark: tfx_core_model_server (REST and gRPC) against the Python-based servers a
user could install instead, each serving the same SavedModel's signature from its own venv with
one worker per core: a minimal FastAPI/uvicorn app, `mlflow models serve` of a pyfunc model,
a BentoML service and KServe's Python ModelServer. Single-row requests on loopback, with the
same load generators for all: wrk for REST (the same TF Serving body), a C++ gRPC client
(grpc_load) for gRPC.

    bazel run //tools/bench:serving_bench -- --json_out=/tmp/serving.json

Measured: p50/p99 latency at concurrency 1 and throughput at concurrency 32; the bare model
time (C++ Session::Run at batch 1, no server), for the MLP and for the example pipeline's
penguin model (TransformGraph + Keras; ours only: the peers cannot load tfx_core's ops); our
throughput at concurrency 64 with batching
on and off; failed requests while a new version is pushed under load. The model is the
evaluator bench's MLP (10 features -> 16 -> 1) behind a serving_default that parses serialized
tf.Examples. Figures: rest_p50_over_model_us, grpc_p50_over_model_us, throughput_vs_best_peer,
failed_requests_during_reload, bulk_vs_python_loop (BulkInferrer vs a Python loop calling the
signature at batch 1,024 on the same rows), logging_overhead_us (REST p50 with every request
in the request log, minus without).
"""

import base64
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from absl import app, flags

from bench_models import FEATURES, Mlp
from bench_util import define_json_out, workspace, write_figures

_JSON_OUT = define_json_out()
_SECONDS = flags.DEFINE_float("seconds", 5.0, "Duration of each load run.")
_PEER_LIST = flags.DEFINE_list("peers", ["fastapi", "mlflow", "bentoml", "kserve"],
                               "Python-based peer servers to measure (each in its own venv "
                               "under .bench/, created on first use); empty: ours only.")
_BULK_ROWS = flags.DEFINE_integer("bulk_rows", 200_000, "Rows for BulkInferrer vs a Python loop.")

_HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "m"
PREDICT = "/tensorflow.serving.PredictionService/Predict"


def _runfile(name):
  return os.path.join(_HERE, name)


def _request_files(workdir, prefix, serialized, alias):
  """A predict request for one serialized example: as gRPC bytes and as a wrk script."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  from tensorflow_serving.apis import predict_pb2  # pylint: disable=import-outside-toplevel
  request = predict_pb2.PredictRequest()
  request.model_spec.name = MODEL
  request.inputs[alias].CopyFrom(tf.make_tensor_proto(np.array([serialized], dtype=object)))
  grpc_file = os.path.join(workdir, prefix + "_predict_request.pb")
  with open(grpc_file, "wb") as f:
    f.write(request.SerializeToString())
  body = json.dumps({"instances": [{"b64": base64.b64encode(serialized).decode()}]})
  lua = os.path.join(workdir, prefix + "_post.lua")
  with open(lua, "w") as f:
    f.write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = '
            '"application/json"\n' % json.dumps(body))
  return grpc_file, lua


def _example(features):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  example = tf.train.Example()
  for name, value in features.items():
    example.features.feature[name].float_list.value.append(value)
  return example.SerializeToString()


def _prepare(workdir):
  """The MLP as version 1 under workdir/model, and its request files."""
  base = os.path.join(workdir, "model")
  if not os.path.isdir(os.path.join(base, "1")):
    os.makedirs(base, exist_ok=True)
    Mlp().save(os.path.join(base, ".staging"))
    os.rename(os.path.join(base, ".staging"), os.path.join(base, "1"))
  serialized = _example({name: 0.1 * (i + 1) for i, name in enumerate(FEATURES)})
  return (base,) + _request_files(workdir, "mlp", serialized, "examples")


def _latest_version(base):
  return os.path.join(base, str(max(int(v) for v in os.listdir(base) if v.isdigit())))


def _prepare_penguin(workdir):
  """The example pipeline's pushed penguin model (trained once, without the Tuner), and request
  files for the first bundled penguin."""
  import csv  # pylint: disable=import-outside-toplevel
  from tensorflow.core.protobuf import saved_model_pb2  # pylint: disable=import-outside-toplevel
  from tfx_core.examples import penguin_pipeline  # pylint: disable=import-outside-toplevel
  from tfx_core.orchestration import LocalDagRunner  # pylint: disable=import-outside-toplevel
  root = os.path.join(workdir, "penguin_root")
  base = os.path.join(root, penguin_pipeline.SERVING_MODEL_DIR)
  if not os.path.isdir(base) or not any(v.isdigit() for v in os.listdir(base)):
    LocalDagRunner().run(penguin_pipeline.create_pipeline(root, enable_tuning=False))
  with open(os.path.join(penguin_pipeline.DATA_ROOT, "penguin", "penguins_processed.csv")) as f:
    row = next(csv.DictReader(f))
  serialized = _example({k: float(v) for k, v in row.items() if k != "species"})
  saved = saved_model_pb2.SavedModel()
  with open(os.path.join(_latest_version(base), "saved_model.pb"), "rb") as f:
    saved.ParseFromString(f.read())
  (alias,) = saved.meta_graphs[0].signature_def["serving_default"].inputs
  return (base,) + _request_files(workdir, "penguin", serialized, alias)


_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6}


def _wrk(url, lua, connections, seconds):
  """{"p50_us", "p99_us", "rps", "errors"} of a wrk run."""
  threads = min(connections, 2)
  done = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%.0fs" % seconds,
                         "--latency", "-s", lua, url], capture_output=True, text=True, check=True)
  out = done.stdout

  def latency(percent):
    value, unit = re.search(r"^\s+%d%%\s+([\d.]+)(us|ms|s)" % percent, out, re.M).groups()
    return float(value) * _UNITS[unit]

  errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
  socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
  if socket:
    errors += sum(int(n) for n in socket.groups())
  return {"p50_us": latency(50), "p99_us": latency(99),
          "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "errors": errors,
          "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def _grpc(target, request_file, concurrency, seconds):
  done = subprocess.run([_runfile("grpc_load"), target, PREDICT, request_file, str(concurrency),
                         str(seconds)], capture_output=True, text=True, check=False)
  return json.loads(done.stdout.strip().splitlines()[-1])


def _bare_model_us(base, request_file):
  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  ops = os.path.join(os.path.dirname(serving.server_binary()), "..", "..", "ops",
                     "_tfx_core_ops.so")
  done = subprocess.run([_runfile("session_run_bench"), _latest_version(base), request_file,
                         "5000", ops], capture_output=True, text=True, check=True)
  return json.loads(done.stdout.strip().splitlines()[-1])["p50_us"]


def _measure_ours(base, grpc_file, lua, seconds, flags_=None):
  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  with serving.ModelServer(base, model_name=MODEL, flags=flags_ or {}) as server:
    url = server.rest_url + "/v1/models/%s:predict" % MODEL
    _wrk(url, lua, 1, 1)  # Warm up.
    return {"rest_c1": _wrk(url, lua, 1, seconds), "rest_c32": _wrk(url, lua, 32, seconds),
            "grpc_c1": _grpc(server.grpc_target, grpc_file, 1, seconds),
            "grpc_c32": _grpc(server.grpc_target, grpc_file, 32, seconds)}


def _logging_overhead(base, lua, seconds, workdir):
  """REST p50 at c=1 and req/s at c=32 with every request logged, and without, alternating
  servers over three rounds (medians), and the rows the log holds against the requests sent."""
  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  runs = {False: [], True: []}
  logged = sent = 0
  for round_ in range(3):
    for logging in (False, True):
      log_dir = os.path.join(workdir, "request_log", str(round_))
      shutil.rmtree(log_dir, ignore_errors=True)
      flags_ = {"request_log_dir": log_dir, "request_log_sampling_rate": 1.0} if logging else {}
      with serving.ModelServer(base, model_name=MODEL, flags=flags_) as server:
        url = server.rest_url + "/v1/models/%s:predict" % MODEL
        warm_up = _wrk(url, lua, 1, 1)
        c1, c32 = _wrk(url, lua, 1, seconds), _wrk(url, lua, 32, seconds)
      runs[logging].append((c1["p50_us"], c32["rps"]))
      if logging:
        sent += 0 if round_ else warm_up["requests"] + c1["requests"] + c32["requests"]
        logged += 0 if round_ else sum(
            pq.read_metadata(f).num_rows
            for f in glob.glob(os.path.join(log_dir, MODEL, "*.parquet")))
  median = lambda values: sorted(values)[len(values) // 2]  # pylint: disable=unnecessary-lambda-assignment
  off_p50, on_p50 = (median([r[0] for r in runs[k]]) for k in (False, True))
  off_rps, on_rps = (median([r[1] for r in runs[k]]) for k in (False, True))
  return {"off_p50_us": off_p50, "on_p50_us": on_p50, "off_rps": off_rps, "on_rps": on_rps,
          "logged_rows": logged, "sent_requests": sent}


def _throughput_c64(base, lua, seconds, batching_file=None):
  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  flags_ = {"rest_api_num_threads": 64}
  if batching_file:
    flags_["batching_parameters_file"] = batching_file
  with serving.ModelServer(base, model_name=MODEL, flags=flags_) as server:
    url = server.rest_url + "/v1/models/%s:predict" % MODEL
    _wrk(url, lua, 8, 1)
    return _wrk(url, lua, 64, seconds)


def _failed_during_reload(base, lua, seconds):
  """wrk at concurrency 8 while a new version is published; failed requests, and whether the
  new version came to serve."""
  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  reload_base = tempfile.mkdtemp(prefix="serving_bench_reload_")
  shutil.copytree(os.path.join(base, "1"), os.path.join(reload_base, "1"))
  with serving.ModelServer(reload_base, model_name=MODEL,
                           flags={"file_system_poll_wait_seconds": 1}) as server:
    url = server.rest_url + "/v1/models/%s:predict" % MODEL

    def publish():
      time.sleep(seconds / 3)
      shutil.copytree(os.path.join(base, "1"), os.path.join(reload_base, ".staging-2"))
      os.rename(os.path.join(reload_base, ".staging-2"), os.path.join(reload_base, "2"))

    pusher = threading.Thread(target=publish)
    pusher.start()
    result = _wrk(url, lua, 8, seconds)
    pusher.join()
    status = serving.RestClient(server.rest_url, MODEL).status()["model_version_status"]
  shutil.rmtree(reload_base, ignore_errors=True)
  served = {s["version"]: s["state"] for s in status}
  return result, served.get("2") == "AVAILABLE" and served.get("1") == "END"


# The Python-based peers, each in its own venv (serving_peer_venv.sh) with one worker process
# per core, answering the same TF Serving REST body: name -> (venv name, URL path).
_PEERS = {
    "FastAPI/uvicorn": ("fastapi", "/v1/models/m:predict"),
    "MLflow (mlflow models serve)": ("mlflow", "/invocations"),
    "BentoML": ("bentoml", "/predict"),
    "KServe ModelServer": ("kserve", "/v1/models/m:predict"),
}
_PEER_WORKERS = os.cpu_count()


def _peer_command(kind, venv, model_dir, workdir, port):
  """argv and environment that start peer `kind` on `port`, serving the SavedModel."""
  python = os.path.join(venv, "bin", "python")
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
  # No per-request access log (uvicorn reads UVICORN_* for its flags, also under MLflow).
  env.update(MODEL_DIR=model_dir, PORT=str(port), WORKERS=str(_PEER_WORKERS),
             TF_CPP_MIN_LOG_LEVEL="2", UVICORN_LOG_LEVEL="warning",
             PATH=os.path.join(venv, "bin") + os.pathsep + os.environ.get("PATH", ""))
  workers = str(_PEER_WORKERS)
  if kind == "fastapi":
    return [python, "-m", "uvicorn", "serving_fastapi_side:app", "--port", str(port),
            "--workers", workers], env
  if kind == "kserve":
    return [python, _runfile("serving_kserve_side.py")], env
  if kind == "bentoml":
    return [os.path.join(venv, "bin", "bentoml"), "serve", "serving_bentoml_side:SavedModelService",
            "--port", str(port)], env
  if kind == "mlflow":
    pyfunc = os.path.join(workdir, "mlflow_model")
    shutil.rmtree(pyfunc, ignore_errors=True)
    subprocess.run([python, _runfile("serving_mlflow_side.py"), model_dir, pyfunc], env=env,
                   check=True, capture_output=True)
    return [os.path.join(venv, "bin", "mlflow"), "models", "serve", "-m", pyfunc, "-p", str(port),
            "--env-manager", "local", "--workers", workers], env
  raise ValueError(kind)


def _measure_peer(name, root, base, lua, seconds, workdir):
  from tfx_core.serving._server import free_port  # pylint: disable=import-outside-toplevel
  kind, path = _PEERS[name]
  venv = os.path.join(root, ".bench", kind + "_venv")
  subprocess.run(["bash", _runfile("serving_peer_venv.sh"), kind, venv], check=True)
  port = free_port()
  argv, env = _peer_command(kind, venv, os.path.join(base, "1"), workdir, port)
  log = open(os.path.join(workdir, kind + "_peer.log"), "w")
  process = subprocess.Popen(argv, cwd=_HERE, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
  url = "http://127.0.0.1:%d%s" % (port, path)
  try:
    deadline = time.monotonic() + 180
    while True:
      try:
        if _wrk(url, lua, 1, 1)["errors"] == 0:
          break
      except (subprocess.CalledProcessError, AttributeError):
        pass
      if process.poll() is not None or time.monotonic() > deadline:
        raise RuntimeError("the %s peer did not answer; its log is %s" % (name, log.name))
      time.sleep(1)
    return {"rest_c1": _wrk(url, lua, 1, seconds), "rest_c32": _wrk(url, lua, 32, seconds)}
  finally:
    # Its whole process group: the servers fork workers.
    os.killpg(process.pid, signal.SIGTERM)
    try:
      process.wait(30)
    except subprocess.TimeoutExpired:
      os.killpg(process.pid, signal.SIGKILL)
      process.wait()
    log.close()


def _bulk(workdir, base, rows):
  """BulkInferrer over `rows` rows vs a Python loop calling the signature at batch 1,024
  (building each batch's tf.Examples in Python, as a user's loop would; and, for reference,
  on examples serialized beforehand). Outputs are checked equal. Seconds of each."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  from tfx_core.components.bulk_inferrer.executor import BulkInferrerExecutor  # pylint: disable=import-outside-toplevel
  from tfx_core.types import Examples, InferenceResult  # pylint: disable=import-outside-toplevel
  examples = Examples()
  examples.uri = os.path.join(workdir, "bulk-%d" % rows)
  examples.split_names = ["eval"]
  shard = os.path.join(examples.split_uri("eval"), "data-00000-of-00001.parquet")
  x = np.random.default_rng(11).normal(size=(rows, len(FEATURES))).astype(np.float32)
  if not os.path.exists(shard):
    os.makedirs(examples.split_uri("eval"), exist_ok=True)
    pq.write_table(pa.table({n: x[:, i] for i, n in enumerate(FEATURES)}), shard)
  result = InferenceResult()
  result.uri = tempfile.mkdtemp(prefix="serving_bench_bulk_")
  model = type("M", (), {"serving_model_dir": os.path.join(base, "1"), "id": 0})()
  start = time.perf_counter()
  BulkInferrerExecutor().Do({"examples": [examples], "model": [model]},
                            {"inference_result": [result],
                             "output_examples": [Examples()]}, {})
  ours = time.perf_counter() - start
  ours_scores = pq.read_table(result.split_uri("eval")).column("probabilities").to_numpy()
  shutil.rmtree(result.uri, ignore_errors=True)

  signature = tf.saved_model.load(os.path.join(base, "1")).signatures["serving_default"]

  def encode(block):
    out = []
    for row in block:
      example = tf.train.Example()
      for name, value in zip(FEATURES, row):
        example.features.feature[name].float_list.value.append(value)
      out.append(example.SerializeToString())
    return out

  start = time.perf_counter()
  loop_scores = [signature(examples=tf.constant(encode(x[i:i + 1024])))["probabilities"].numpy()
                 for i in range(0, rows, 1024)]
  loop = time.perf_counter() - start
  encoded = [encode(x[i:i + 1024]) for i in range(0, rows, 1024)]
  start = time.perf_counter()
  for block in encoded:
    signature(examples=tf.constant(block))
  calls_only = time.perf_counter() - start
  np.testing.assert_allclose(ours_scores, np.concatenate(loop_scores), rtol=1e-5, atol=1e-6)
  return ours, loop, calls_only


def main(argv):
  del argv
  if shutil.which("wrk") is None:
    raise app.UsageError("serving_bench needs wrk: apt-get install wrk (tools/bootstrap.sh "
                         "installs it)")
  root = workspace()
  workdir = os.path.join(root, ".bench", "serving")
  os.makedirs(workdir, exist_ok=True)
  base, grpc_file, lua = _prepare(workdir)
  seconds = _SECONDS.value
  bare = _bare_model_us(base, grpc_file)
  ours = _measure_ours(base, grpc_file, lua, seconds)
  batching_file = os.path.join(workdir, "batching.pbtxt")
  with open(batching_file, "w") as f:
    f.write("max_batch_size { value: 64 } batch_timeout_micros { value: 300 } "
            "max_enqueued_batches { value: 100 } num_batch_threads { value: 2 }\n")
  unbatched = _throughput_c64(base, lua, seconds)
  batched = _throughput_c64(base, lua, seconds, batching_file)
  reload_run, reloaded = _failed_during_reload(base, lua, max(6.0, seconds))
  failed = reload_run["errors"]
  bulk, loop, calls_only = _bulk(workdir, base, _BULK_ROWS.value)
  logging = _logging_overhead(base, lua, seconds, workdir)
  penguin_base, penguin_grpc, penguin_lua = _prepare_penguin(workdir)
  penguin_bare = _bare_model_us(penguin_base, penguin_grpc)
  penguin = _measure_ours(penguin_base, penguin_grpc, penguin_lua, seconds)
  peers = {name: _measure_peer(name, root, base, lua, seconds, workdir)
           for name, (kind, _) in _PEERS.items() if kind in _PEER_LIST.value}

  rows = [("tfx_core_model_server REST", ours["rest_c1"], ours["rest_c32"]),
          ("tfx_core_model_server gRPC", ours["grpc_c1"], ours["grpc_c32"])]
  rows += [(name + " REST", p["rest_c1"], p["rest_c32"]) for name, p in peers.items()]
  print("single-row requests on loopback, %.0f s per run; bare model (C++ Session::Run, "
        "batch 1): p50 %.1f us" % (seconds, bare))
  print("%-34s %12s %12s %14s" % ("server", "p50 c=1 us", "p99 c=1 us", "req/s c=32"))
  for name, c1, c32 in rows:
    print("%-34s %12.1f %12.1f %14.0f" % (name, c1["p50_us"], c1["p99_us"], c32["rps"]))
  print("penguin model (TransformGraph + Keras MLP, tfx_core ops; the Python-based peers "
        "cannot load it without tfx_core): bare %.1f us; REST p50 %.1f us, %.0f req/s at c=32; "
        "gRPC p50 %.1f us, %.0f req/s at c=32" % (
            penguin_bare, penguin["rest_c1"]["p50_us"], penguin["rest_c32"]["rps"],
            penguin["grpc_c1"]["p50_us"], penguin["grpc_c32"]["rps"]))
  print("tfx_core_model_server REST at c=64: %.0f req/s unbatched, %.0f req/s batched "
        "(max_batch_size 64, batch_timeout 300 us)" % (unbatched["rps"], batched["rps"]))
  print("failed requests while version 2 was pushed under load (c=8): %d of %d (version 2 %s)"
        % (failed, reload_run["requests"],
           "serving, version 1 unloaded" if reloaded else "NOT serving"))
  print("request log at 100%% sampling: REST p50 c=1 %.1f us vs %.1f us without (+%.1f us); "
        "%.0f vs %.0f req/s at c=32; %d rows logged of %d requests answered (first round)" % (
            logging["on_p50_us"], logging["off_p50_us"],
            logging["on_p50_us"] - logging["off_p50_us"], logging["on_rps"], logging["off_rps"],
            logging["logged_rows"], logging["sent_requests"]))
  figures = {
      "logging_overhead_us": logging["on_p50_us"] - logging["off_p50_us"],
      "logging_rps_c32_ratio": logging["on_rps"] / logging["off_rps"],
      "bare_model_p50_us": bare,
      "rest_p50_us": ours["rest_c1"]["p50_us"],
      "grpc_p50_us": ours["grpc_c1"]["p50_us"],
      "rest_p50_over_model_us": ours["rest_c1"]["p50_us"] - bare,
      "grpc_p50_over_model_us": ours["grpc_c1"]["p50_us"] - bare,
      "rest_rps_c32": ours["rest_c32"]["rps"],
      "grpc_rps_c32": ours["grpc_c32"]["rps"],
      "rest_rps_c64_unbatched": unbatched["rps"],
      "rest_rps_c64_batched": batched["rps"],
      "failed_requests_during_reload": failed,
      "requests_during_reload": reload_run["requests"],
      "penguin_bare_model_p50_us": penguin_bare,
      "penguin_rest_p50_over_model_us": penguin["rest_c1"]["p50_us"] - penguin_bare,
      "penguin_grpc_p50_over_model_us": penguin["grpc_c1"]["p50_us"] - penguin_bare,
      "penguin_rest_rps_c32": penguin["rest_c32"]["rps"],
      "penguin_grpc_rps_c32": penguin["grpc_c32"]["rps"],
  }
  if peers:
    best = max(p["rest_c32"]["rps"] for p in peers.values())
    figures["best_peer_rps_c32"] = best
    figures["throughput_vs_best_peer"] = ours["rest_c32"]["rps"] / best
    for name, p in peers.items():
      figures["peer_p50_us[%s]" % name] = p["rest_c1"]["p50_us"]
      figures["peer_rps_c32[%s]" % name] = p["rest_c32"]["rps"]
  rows = _BULK_ROWS.value
  print("BulkInferrer over %d rows: %.2f s (%.0f rows/s); Python loop at batch 1024: %.2f s "
        "(%.0f rows/s), of which signature calls on pre-encoded examples %.2f s: %.1fx" % (
            rows, bulk, rows / bulk, loop, rows / loop, calls_only, loop / bulk))
  figures.update(bulk_rows_per_s=rows / bulk, python_loop_rows_per_s=rows / loop,
                 bulk_vs_python_loop=loop / bulk, bulk_vs_signature_calls_only=calls_only / bulk)
  print("throughput vs the best Python-based server: %s" % (
      "%.1fx" % figures["throughput_vs_best_peer"] if peers else "not measured"))
  write_figures(_JSON_OUT.value, figures)


if __name__ == "__main__":
  app.run(main)
