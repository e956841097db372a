#!/usr/bin/env bash
# Creates (idempotently) the virtualenv of serving_bench's Python-based peer server: FastAPI on
# uvicorn with TensorFlow, serving the same SavedModel (serving_fastapi_side.py).
#
#   tools/bench/serving_peer_venv.sh .bench/fastapi_venv
set -euo pipefail

venv="${1:?usage: $0 VENV_DIR}"
python="${PYTHON:-python3}"
pins=(fastapi==0.163.2 "uvicorn[standard]==0.54.0" tensorflow-cpu==2.21.0)
stamp="$venv/.peer_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
printf '%s\n' "${pins[*]}" > "$stamp"
