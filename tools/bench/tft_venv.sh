#!/usr/bin/env bash
# Creates (idempotently) the virtualenv that runs tools/bench/tft_transform.py, the
# TensorFlow Transform side of tfx_core's transform_bench.
#
#   tools/bench/tft_venv.sh .bench/tft_venv
#
# tensorflow-transform 1.21.0 (with tfx-bsl 1.21.0) needs CPython >= 3.10, tensorflow 2.21 and
# protobuf 6; pip resolves its closure quickly only with apache-beam[gcp] (the first release
# that allows protobuf 6 and pyarrow 18+), protobuf and numpy pinned beside it.
set -euo pipefail

venv="${1:?usage: $0 VENV_DIR}"
python="${PYTHON:-python3}"
pins=(
  tensorflow-transform==1.21.0
  "apache-beam[gcp]==2.72.0"
  "protobuf>=6,<7"
  "numpy<2.3"
)
stamp="$venv/.tft_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -c 'import sys; assert (3, 10) <= sys.version_info[:2] <= (3, 12), \
    "tensorflow-transform 1.21.0 needs CPython 3.10-3.12, got %s" % sys.version.split()[0]'
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
"$venv/bin/python" -c 'import tensorflow_transform as tft; print(tft.__version__)'
printf '%s\n' "${pins[*]}" > "$stamp"
