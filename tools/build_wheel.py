"""Builds the tfx_core wheel from files Bazel staged (run by //python:wheel, not by hand).

    build_wheel.py --output=W.whl --version=V --python_tag=cp311 \
        --tensorflow=tensorflow-cpu==2.21.0 --pyarrow_version=25.0.1 FILE...

Each FILE's path inside the wheel is the part from its last `python/` on (so both source
files and generated ones under bazel-out land under tfx_core/). Writes the .dist-info
(METADATA, WHEEL, RECORD) itself with only the standard library.
"""

import argparse
import base64
import hashlib
import os
import stat
import zipfile

# What tfx_core imports at run time, besides TensorFlow (pinned to the build's: the op
# library's ABI is that version's) and pyarrow (pinned to the build's major version: the model
# server's request log writer links that libarrow.so.<major>).
_REQUIRES = [
    "apache-beam>=2.77,<3",
    "numpy>=1.26",
    "protobuf>=6.31,<7",
    "absl-py>=2",
    "SQLAlchemy>=2.0",
    "tensorboard>=2.16",  # The Trainer's model_run: TensorBoard logs.
    "keras-tuner>=1.4,<2",  # The Tuner (TFX declares it too).
    "requests>=2.28",  # tfx_core.serving.RestClient (the InfraValidator's client).
]
_EXTRAS = {"postgresql": ["psycopg[binary]>=3.1"],
           "optuna": ["optuna>=5"]}  # The Tuner's second search library.

_CONSOLE_SCRIPTS = {
    "tfx-core-run": "tfx_core.orchestration.run_main:run",
    "tfx-core-launch": "tfx_core.orchestration.launch_main:run",
    "tfx-core-metadata": "tfx_core.orchestration.metadata_main:run",
    "tfx-core-monitor": "tfx_core.monitoring.monitor_main:run",
    "tfx-core-model-server": "tfx_core.serving._server:main",
}


def _archive_name(path):
  marker = "python" + os.sep
  index = path.rfind(marker)
  if index < 0:
    raise SystemExit("build_wheel: %s is not under a python/ directory" % path)
  return path[index + len(marker):]


def _record_hash(data):
  digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
  return "sha256=" + digest.decode()


def _pyarrow(version):
  major = int(version.split(".")[0])
  return "pyarrow>=%d,<%d" % (major, major + 1)


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--output", required=True)
  parser.add_argument("--version", required=True)
  parser.add_argument("--python_tag", required=True)
  parser.add_argument("--tensorflow", required=True,
                      help="The TensorFlow requirement, e.g. tensorflow-cpu==2.21.0")
  parser.add_argument("--pyarrow_version", required=True,
                      help="The pyarrow the request log writer was built against, e.g. 25.0.1")
  parser.add_argument("files", nargs="+")
  args = parser.parse_args()

  dist_info = "tfx_core-%s.dist-info" % args.version
  tag = "%s-%s-linux_x86_64" % (args.python_tag, args.python_tag)
  metadata = "\n".join(
      ["Metadata-Version: 2.1", "Name: tfx_core", "Version: " + args.version,
       "Summary: Production ML pipelines over a C++ core (TFX-compatible).",
       "Requires-Python: ==%s.%s.*" % (args.python_tag[2], args.python_tag[3:])] +
      ["Requires-Dist: " + r for r in [args.tensorflow, _pyarrow(args.pyarrow_version)] +
       _REQUIRES] +
      ["Provides-Extra: " + extra for extra in sorted(_EXTRAS)] +
      ['Requires-Dist: %s; extra == "%s"' % (r, extra)
       for extra, reqs in sorted(_EXTRAS.items()) for r in reqs] +
      ["", "Built against %s: tfx_core's TensorFlow ops need exactly that version." %
       args.tensorflow, ""])
  wheel = "Wheel-Version: 1.0\nGenerator: tfx_core build_wheel\nRoot-Is-Purelib: false\nTag: %s\n" % tag

  records = []
  with zipfile.ZipFile(args.output, "w", zipfile.ZIP_DEFLATED) as whl:
    def add(name, data):
      info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # Reproducible bytes.
      executable = name.endswith(".so") or "/bin/" in name
      # pip keeps the executable bit only of entries marked as regular files.
      info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
      info.compress_type = zipfile.ZIP_DEFLATED
      whl.writestr(info, data)
      records.append("%s,%s,%d" % (name, _record_hash(data), len(data)))

    for path in sorted(set(args.files), key=_archive_name):
      with open(path, "rb") as f:
        add(_archive_name(path), f.read())
    add(dist_info + "/METADATA", metadata.encode())
    add(dist_info + "/entry_points.txt", ("[console_scripts]\n" + "".join(
        "%s = %s\n" % kv for kv in sorted(_CONSOLE_SCRIPTS.items()))).encode())
    add(dist_info + "/WHEEL", wheel.encode())
    record_name = dist_info + "/RECORD"
    records.append(record_name + ",,")
    whl.writestr(zipfile.ZipInfo(record_name, date_time=(2020, 1, 1, 0, 0, 0)),
                 "\n".join(records) + "\n")


if __name__ == "__main__":
  main()
