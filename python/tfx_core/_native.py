"""Loads the C++ extension, failing loudly with a hint when it was not built."""

import importlib

_HINT = (
    "tfx_core's C++ extension (_tfx_core_ext) is missing or broken. From a source checkout run "
    "`tools/bootstrap.sh` and use the package through Bazel (`bazel run`/`bazel test`), or "
    "install the wheel built by `tools/build_wheel.sh`."
)


def load_extension():
  try:
    return importlib.import_module("tfx_core._tfx_core_ext")
  except ImportError as e:
    raise ImportError("%s (%s)" % (_HINT, e)) from e


ext = load_extension()
