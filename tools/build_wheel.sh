#!/usr/bin/env bash
# Builds the wheel into dist/ (after tools/bootstrap.sh). Install it with `pip install dist/*.whl`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
bazel build //python:wheel
mkdir -p dist
cp -f bazel-bin/python/tfx_core-*.whl dist/
chmod u+w dist/*.whl
ls dist/*.whl
