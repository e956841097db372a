#!/usr/bin/env bash
# The test command: sets everything up (tools/bootstrap.sh), then builds and runs every test.
# Extra arguments go to `bazel test` (e.g. --config=cuda, or a target pattern after --).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
# The metadata store's tests run on SQLite and on this private PostgreSQL server; with
# TFX_CORE_REQUIRE_POSTGRES=1 they fail rather than skip if it is unreachable.
pg_url=$(tools/postgres.sh start)
trap 'tools/postgres.sh stop' EXIT
# The wheel test installs the wheel with its declared dependencies from these wheels, offline.
wheelhouse=$(tools/wheelhouse.sh)
status=0
bazel test --test_env=TFX_CORE_TEST_POSTGRES_URL="$pg_url" --test_env=TFX_CORE_REQUIRE_POSTGRES=1 \
  --test_env=TFX_CORE_WHEELHOUSE="$wheelhouse" "$@" //... || status=$?
bazel shutdown
exit $status
