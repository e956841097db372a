#!/usr/bin/env bash
# The main job: sets everything up (tools/bootstrap.sh), then runs the example pipeline on the
# bundled penguin data with the embedded SQLite metadata store under .runs/penguin, and shows
# the run's node states. Running it again hits the cache. Extra arguments go to the pipeline
# binary (see `bazel run //python:penguin_pipeline -- --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
root="$PWD/.runs/penguin"
status=0
bazel run //python:penguin_pipeline -- --pipeline_module=tfx_core.examples.penguin_pipeline \
  --pipeline_root="$root" "$@" || status=$?
if [ $status -eq 0 ]; then
  bazel run //python:metadata_cli -- nodes --pipeline_root="$root"
  echo "outputs and metadata.sqlite are under $root"
fi
bazel shutdown
exit $status
