#!/usr/bin/env bash
# The test command: sets everything up (tools/bootstrap.sh), then builds and runs every test.
# Extra arguments go to `bazel test` (e.g. --config=cuda, or a target pattern after --).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
status=0
bazel test "$@" //... || status=$?
bazel shutdown
exit $status
