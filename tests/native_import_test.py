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
