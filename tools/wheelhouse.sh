#!/usr/bin/env bash
# Fills .wheelhouse/ with wheels of every pinned requirement (requirements.txt), so that the
# wheel test can install the built wheel with its dependencies into a clean venv offline
# (pip --no-index --find-links): a dependency the wheel forgets to declare then fails the test.
# Served from pip's cache after bootstrap's install; idempotent. Prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
house=.wheelhouse
stamp=$house/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "wheelhouse: downloading wheels of requirements.txt into $house" >&2
  .venv/bin/pip download -q -r requirements.txt -d "$house" 2>&1 | grep -v "is ignored" >&2 || true
  echo "$want" > "$stamp"
fi
echo "$PWD/$house"
