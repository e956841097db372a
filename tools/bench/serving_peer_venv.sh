#!/usr/bin/env bash
# Creates (idempotently) the virtualenv of one of serving_bench's Python-based peer servers,
# each serving the same SavedModel with TensorFlow: fastapi (a minimal FastAPI app on uvicorn,
# serving_fastapi_side.py), mlflow (`mlflow models serve` of a pyfunc model), bentoml (a
# BentoML service) or kserve (KServe's Python ModelServer); see serving_peers.py.
#
#   tools/bench/serving_peer_venv.sh fastapi .bench/fastapi_venv
set -euo pipefail

peer="${1:?usage: $0 fastapi|mlflow|bentoml|kserve VENV_DIR}"
venv="${2:?usage: $0 fastapi|mlflow|bentoml|kserve VENV_DIR}"
python="${PYTHON:-python3}"
case "$peer" in
  fastapi) pins=(fastapi==0.163.2 "uvicorn[standard]==0.54.0") ;;
  mlflow) pins=(mlflow==3.18.0) ;;
  bentoml) pins=(bentoml==1.4.40) ;;
  kserve) pins=(kserve==0.21.0) ;;
  *) echo "$0: unknown peer '$peer' (fastapi, mlflow, bentoml or kserve)" >&2; exit 2 ;;
esac
pins+=(tensorflow-cpu==2.21.0)
stamp="$venv/.peer_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
printf '%s\n' "${pins[*]}" > "$stamp"
