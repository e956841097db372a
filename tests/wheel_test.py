"""The built wheel installs into a fresh venv and works from a directory outside the repo."""

import glob
import os
import subprocess
import sys
import sysconfig
import textwrap

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


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
  (wheel,) = glob.glob(os.path.join(os.path.dirname(__file__), "..", "python", "tfx_core-*.whl"))
  venv = tmp_path / "venv"
  subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
  python = str(venv / "bin" / "python")
  # Dependencies (TensorFlow, numpy, pyarrow, protobuf) come from the build venv through a .pth
  # file, so the test needs no network; tfx_core itself comes only from the wheel.
  site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        check=True, capture_output=True, text=True).stdout.strip()
  with open(os.path.join(site, "build_deps.pth"), "w") as f:
    f.write(sysconfig.get_paths()["purelib"] + "\n")
  subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel],
                 check=True)
  outside = tmp_path / "elsewhere"
  outside.mkdir()
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
  result = subprocess.run([python, "-c", _SMOKE], cwd=str(outside), env=env,
                          capture_output=True, text=True, check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  assert "wheel ok 0.1.0" in result.stdout
  _console_commands_run_a_pipeline(venv, outside, env)


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
