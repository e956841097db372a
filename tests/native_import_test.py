"""Without its native libraries the package fails loudly, with a hint, never half-imported."""

import os
import shutil
import subprocess
import sys

import tfx_core


def _copy_without_native(tmp_path):
  source = os.path.dirname(os.path.abspath(tfx_core.__file__))
  target = tmp_path / "tfx_core"
  shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
  return str(tmp_path)


def _import(path, module):
  env = dict(os.environ, PYTHONPATH=path)
  return subprocess.run([sys.executable, "-c", "import " + module], capture_output=True,
                        text=True, env=env, cwd=path, check=False)


def test_missing_extension_names_the_fix(tmp_path):
  result = _import(_copy_without_native(tmp_path), "tfx_core.mappers")
  assert result.returncode != 0
  assert "_tfx_core_ext" in result.stderr and "tools/bootstrap.sh" in result.stderr


def test_missing_op_library_names_the_fix(tmp_path):
  result = _import(_copy_without_native(tmp_path), "tfx_core.ops")
  assert result.returncode != 0
  assert "_tfx_core_ops.so" in result.stderr and "tools/bootstrap.sh" in result.stderr


def test_one_bounded_kernel_thread_pool():
  import os  # pylint: disable=import-outside-toplevel
  import subprocess  # pylint: disable=import-outside-toplevel
  import sys  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pytest  # pylint: disable=import-outside-toplevel
  from tfx_core import mappers, runtime  # pylint: disable=import-outside-toplevel
  x = np.random.default_rng(0).normal(size=2_000_000)
  before = runtime.num_threads()
  assert before == len(os.sched_getaffinity(0)) or "TFX_CORE_NUM_THREADS" in os.environ
  many = mappers.bucketize(x, [-1.0, 0.0, 1.0])
  runtime.set_num_threads(1)
  try:
    assert runtime.num_threads() == 1
    np.testing.assert_array_equal(mappers.bucketize(x, [-1.0, 0.0, 1.0]), many)
  finally:
    runtime.set_num_threads(before)
  with pytest.raises(ValueError, match="at least 1 thread"):
    runtime.set_num_threads(0)
  done = subprocess.run([sys.executable, "-c", "from tfx_core import runtime; "
                         "print(runtime.num_threads())"], capture_output=True, text=True,
                        env=dict(os.environ, TFX_CORE_NUM_THREADS="3"), check=True)
  assert done.stdout.strip() == "3"
