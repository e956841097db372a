"""The built wheel installs, with the dependencies it declares, into a clean venv, and works
from a directory outside the repo: the ops, the Transform graph, and the penguin pipeline
through its console commands."""

import glob
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))

_SMOKE = textwrap.dedent("""
    import os, sys
    import numpy as np
    import pyarrow as pa
    import tensorflow as tf
    import tfx_core
    from tfx_core import mappers, ops
    from tfx_core.proto import schema_pb2
    assert "site-packages" in tfx_core.__file__, tfx_core.__file__
    z = mappers.scale_to_z_score(pa.array([1.0, 3.0, None]), 2.0, 1.0)
    assert z[0] == -1.0 and z[1] == 1.0 and np.isnan(z[2]), z
    graph = tf.function(lambda x: ops.bucketize(x, [0.0, 10.0]))
    assert graph(tf.constant([-1.0, 5.0, 50.0])).numpy().tolist() == [0, 1, 2]
    schema = schema_pb2.Schema()
    schema.feature.add(name="fare", type=schema_pb2.FLOAT)
    assert schema_pb2.Schema.FromString(schema.SerializeToString()) == schema
    # A TransformGraph written here loads in another fresh process, from the wheel alone.
    import subprocess, tempfile
    import tfx_core.transform as tft
    out = os.path.join(tempfile.mkdtemp(), "tg")
    table = pa.table({"x": [1.0, 2.0, 3.0], "s": ["a", "b", "a"]})
    spec = {"x": tf.io.FixedLenFeature([], tf.float32), "s": tf.io.FixedLenFeature([], tf.string)}
    tft.analyze_and_transform(table, lambda inputs: {
        "z": tft.scale_to_z_score(inputs["x"]),
        "id": tft.compute_and_apply_vocabulary(inputs["s"])}, spec, out)
    subprocess.run([sys.executable, "-c", (
        "import sys, tensorflow as tf, tfx_core.transform as tft;"
        "layer = tft.TransformOutput(sys.argv[1]).transform_features_layer();"
        "r = layer({'x': tf.constant([2.0]), 's': tf.constant(['a'])});"
        "assert r['z'].numpy().tolist() == [0.0] and r['id'].numpy().tolist() == [0], r"),
        out], check=True)
    print("wheel ok", tfx_core.__version__)
""")


def test_wheel_installs_with_its_dependencies_and_runs_a_pipeline(tmp_path):
  wheelhouse = os.environ.get("TFX_CORE_WHEELHOUSE")
  if not wheelhouse:
    pytest.skip("needs the wheels of the pinned requirements: tools/test.sh passes "
                "TFX_CORE_WHEELHOUSE (see tools/wheelhouse.sh)")
  (wheel,) = glob.glob(os.path.join(_HERE, "..", "python", "tfx_core-*.whl"))
  venv = tmp_path / "venv"
  subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
  python = str(venv / "bin" / "python")
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
  # Offline and from these wheels only: what the wheel does not declare is not installed.
  env["PIP_CONFIG_FILE"] = os.devnull
  install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-index",
                            "--find-links", wheelhouse, wheel + "[postgresql]"], env=env,
                           capture_output=True, text=True, check=False)
  assert install.returncode == 0, install.stderr[-3000:]
  outside = tmp_path / "elsewhere"
  outside.mkdir()
  result = subprocess.run([python, "-c", _SMOKE], cwd=str(outside), env=env,
                          capture_output=True, text=True, check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  assert "wheel ok 0.1.0" in result.stdout
  _console_commands_run_a_pipeline(venv, outside, env)
  served = subprocess.run([str(venv / "bin" / "tfx-core-model-server"), "--help"],
                          cwd=str(outside), env=env, capture_output=True, text=True, check=False)
  assert served.returncode == 0 and "--model_config_file" in served.stdout, served.stderr[-2000:]
  _penguin_pipeline_runs(venv, outside, env)


_PIPELINE = textwrap.dedent("""
    import os
    from tfx_core.dsl import OutputArtifact, Parameter, Pipeline, component
    from tfx_core.types import Model

    @component
    def Write(model: OutputArtifact[Model], text: Parameter[str]):
      with open(os.path.join(model.uri, "text"), "w") as f:
        f.write(text)

    def create_pipeline(pipeline_root):
      return Pipeline("wheel_demo", pipeline_root, [Write(text="hi")])
""")


def _console_commands_run_a_pipeline(venv, cwd, env):
  (cwd / "wheel_pipeline.py").write_text(_PIPELINE)
  root = str(cwd / "root")
  run = subprocess.run([str(venv / "bin" / "tfx-core-run"), "--pipeline_module=wheel_pipeline.py",
                        "--pipeline_root=" + root], cwd=str(cwd), env=env, capture_output=True,
                       text=True, check=False)
  assert run.returncode == 0, run.stderr[-3000:]
  assert "Write COMPLETE" in run.stdout
  runs = subprocess.run([str(venv / "bin" / "tfx-core-metadata"), "runs", "--pipeline_root=" + root],
                        cwd=str(cwd), env=env, capture_output=True, text=True, check=False)
  assert runs.returncode == 0 and "wheel_demo" in runs.stdout and "1 COMPLETE" in runs.stdout, (
      runs.stdout + runs.stderr)


def _penguin_pipeline_runs(venv, cwd, env):
  """The example pipeline, copied out of the repo with its data, run by the installed command."""
  examples = os.path.join(_HERE, "..", "python", "tfx_core", "examples")
  for name in ("penguin_pipeline.py", "penguin_transform.py", "penguin_trainer.py"):
    shutil.copy(os.path.join(examples, name), cwd / name)
  shutil.copytree(os.path.join(examples, "data"), cwd / "data")
  run = subprocess.run([str(venv / "bin" / "tfx-core-run"), "--pipeline_module=penguin_pipeline.py",
                        "--pipeline_root=penguin_root"], cwd=str(cwd), env=env,
                       capture_output=True, text=True, check=False)
  assert run.returncode == 0, run.stderr[-3000:]
  assert all("%s COMPLETE" % node in run.stdout
             for node in ("Transform", "Tuner", "Trainer", "SkewValidator", "InfraValidator",
                          "BulkInferrer")), run.stdout
  # The installed model server validated and then served the pushed model.
  assert "infra blessing of InfraValidator: INFRA_BLESSED" in run.stdout, run.stdout
  assert "serving: species 0 -> REST [" in run.stdout, run.stdout
  # ...and its request log, through pyarrow's libraries as the wheel installed them.
  assert "serving: request log: 3 examples in" in run.stdout, run.stdout  # REST only here.
  assert os.path.isfile(cwd / "penguin_root" / "metadata.sqlite")
