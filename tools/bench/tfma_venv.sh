#!/usr/bin/env bash
# Creates (idempotently) the virtualenv that runs tools/bench/tfma_side.py, TFMA's side of
# evaluator_bench (tfma.run_model_analysis on the DirectRunner).
#
#   tools/bench/tfma_venv.sh .bench/tfma_venv
#
# tensorflow-model-analysis 0.52.0 pairs with tfx-bsl 1.21.0 (tensorflow 2.21, apache-beam);
# pip resolves the closure with protobuf and numpy pinned beside it.
set -euo pipefail

venv="${1:?usage: $0 VENV_DIR}"
python="${PYTHON:-python3}"
pins=(
  tensorflow-model-analysis==0.52.0
  tfx-bsl==1.21.0
  "protobuf>=6,<7"
  "numpy<2.3"
)
stamp="$venv/.tfma_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
"$venv/bin/python" -c 'import tensorflow_model_analysis as tfma; print(tfma.__version__)'
printf '%s\n' "${pins[*]}" > "$stamp"
