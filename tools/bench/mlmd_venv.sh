#!/usr/bin/env bash
# Creates (idempotently) the virtualenv that runs tools/bench/mlmd_ops.py, the
# ml-metadata side of tfx_core's metadata_bench.
#
#   tools/bench/mlmd_venv.sh /tmp/tfx_core_mlmd_venv
#
# ml-metadata 1.17.1 ships manylinux x86_64 wheels for CPython 3.9-3.11 only
# (no cp312+), so $PYTHON (default python3) must be one of those. Its own
# requirements (protobuf>=4.25.2,<5, absl-py>=0.9,<2, grpcio, attrs<24, six)
# resolve on 3.11 without help; the closure below is pinned to what pip
# resolved so that reruns measure the same thing.
set -euo pipefail

venv="${1:?usage: $0 VENV_DIR}"
python="${PYTHON:-python3}"
pins=(
  ml-metadata==1.17.1
  protobuf==4.25.9
  absl-py==1.4.0
  grpcio==1.85.3
  attrs==23.2.0
  six==1.17.0
  typing-extensions==4.16.0
)
stamp="$venv/.mlmd_ops_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -c 'import sys; assert (3, 9) <= sys.version_info[:2] <= (3, 11), \
    "ml-metadata 1.17.1 needs CPython 3.9-3.11, got %s" % sys.version.split()[0]'
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --only-binary=:all: "${pins[@]}"
"$venv/bin/python" -c 'from ml_metadata.metadata_store import metadata_store'
printf '%s\n' "${pins[*]}" > "$stamp"
