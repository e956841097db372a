#!/usr/bin/env bash
# The main job: sets everything up (tools/bootstrap.sh), then runs the example on bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
status=0
bazel run //python:mappers_demo -- "$@" || status=$?
bazel shutdown
exit $status
