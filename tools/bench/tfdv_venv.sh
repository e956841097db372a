#!/usr/bin/env bash
# Creates (idempotently) the virtualenv that runs tools/bench/tfdv_stats.py, the
# TensorFlow Data Validation side of tfx_core's stats_bench.
#
#   tools/bench/tfdv_venv.sh .bench/tfdv_venv
#
# tensorflow-data-validation 1.16.1 ships wheels for CPython 3.9-3.11; pip resolves its
# closure quickly only with apache-beam[gcp], protobuf and numpy pinned beside it.
set -euo pipefail

venv="${1:?usage: $0 VENV_DIR}"
python="${PYTHON:-python3}"
pins=(
  tensorflow-data-validation==1.16.1
  "apache-beam[gcp]==2.59.0"
  "protobuf<5"
  "numpy<2"
)
stamp="$venv/.tfdv_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -c 'import sys; assert (3, 9) <= sys.version_info[:2] <= (3, 11), \
    "tensorflow-data-validation 1.16.1 needs CPython 3.9-3.11, got %s" % sys.version.split()[0]'
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
"$venv/bin/python" -c 'import tensorflow_data_validation as tfdv; print(tfdv.__version__)'
printf '%s\n' "${pins[*]}" > "$stamp"
