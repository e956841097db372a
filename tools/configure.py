"""Writes .bazelrc.user (gitignored) pointing Bazel at this Python and, if present, CUDA.

Run with the interpreter whose packages Bazel should build against, normally the repo's venv:
    .venv/bin/python tools/configure.py [--cuda_path=/usr/local/cuda]
It never edits tracked files. tools/build_defs/local_config.bzl reads what it writes.
"""

import argparse
import os
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _find_cuda(explicit):
  """The CUDA toolkit root: --cuda_path, $CUDA_HOME, $CUDA_PATH, or NVIDIA's default location."""
  for root in (explicit, os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
    if root and os.path.exists(os.path.join(root, "lib64", "libcudart_static.a")):
      return root
  return None


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--cuda_path", help="CUDA root (default: found from nvcc on PATH)")
  args = parser.parse_args()

  # The venv's own python, not its resolved target: only the former sees the venv's packages.
  python = os.path.abspath(sys.executable)
  lines = [
      "# Written by tools/configure.py; re-run it instead of editing.",
      "build --repo_env=TFX_CORE_PYTHON=" + python,
  ]
  cuda = _find_cuda(args.cuda_path)
  if cuda:
    lines.append("build --repo_env=TFX_CORE_CUDA=" + cuda)
  path = os.path.join(_REPO, ".bazelrc.user")
  with open(path + ".tmp", "w") as f:
    f.write("\n".join(lines) + "\n")
  os.replace(path + ".tmp", path)
  print("configure: wrote .bazelrc.user (python=%s, cuda=%s)" % (python, cuda or "none"))


if __name__ == "__main__":
  main()
