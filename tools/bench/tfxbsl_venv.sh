#!/usr/bin/env bash
# Creates (idempotently) the virtualenv that runs tools/bench/tfxbsl_input.py, the tfx_bsl
# TFXIO side of tfx_core's trainer_bench (TFX's own DataAccessor path).
#
#   tools/bench/tfxbsl_venv.sh .bench/tfxbsl_venv
#
# tfx-bsl 1.21.0 needs CPython >= 3.10 and pulls tensorflow 2.21 and apache-beam itself; pip
# resolves its closure quickly with protobuf and numpy pinned beside it.
set -euo pipefail

venv="${1:?usage: $0 VENV_DIR}"
python="${PYTHON:-python3}"
pins=(
  tfx-bsl==1.21.0
  "protobuf>=6,<7"
  "numpy<2.3"
)
stamp="$venv/.tfxbsl_stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" ]]; then
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -c 'import sys; assert (3, 10) <= sys.version_info[:2] <= (3, 12), \
    "tfx-bsl 1.21.0 needs CPython 3.10-3.12, got %s" % sys.version.split()[0]'
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
"$venv/bin/python" -c 'import tfx_bsl; from tfx_bsl.public import tfxio; print(tfx_bsl.__version__)'
printf '%s\n' "${pins[*]}" > "$stamp"
