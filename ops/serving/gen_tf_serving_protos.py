"""Generates C++ classes for TF Serving's messages, wire-identical to TF Serving's own.

The tensorflow-serving-api wheel ships only `_pb2` modules; their embedded descriptors are the
authoritative .proto definitions. They are written out as a FileDescriptorSet and compiled with
protoc 31.1 (the version of TensorFlow's bundled C++ protobuf), so the classes link against the
protobuf inside libtensorflow_framework. TensorFlow's own messages (tensor.proto, ...) are not
generated: the TensorFlow headers and libraries already carry them.

Usage: gen_tf_serving_protos.py PROTOC OUT_DIR LOCAL.proto FILE.proto...
LOCAL.proto (our copy of the configs the wheel lacks) is compiled from source next to them.
"""

import importlib
import os
import subprocess
import sys

from google.protobuf import descriptor_pb2
from google.protobuf import wrappers_pb2


def _module_for(proto_file):
  return importlib.import_module(proto_file[:-len(".proto")].replace("/", ".") + "_pb2")


def _descriptor_set(files):
  """All of `files` and their transitive dependencies, dependencies first."""
  out = descriptor_pb2.FileDescriptorSet()
  seen = set()

  def add(file_descriptor):
    if file_descriptor.name in seen:
      return
    seen.add(file_descriptor.name)
    for dep in file_descriptor.dependencies:
      add(dep)
    file_descriptor.CopyToProto(out.file.add())

  for name in files:
    add(_module_for(name).DESCRIPTOR)
  add(wrappers_pb2.DESCRIPTOR)  # Imported by LOCAL.proto.
  return out


def main(argv):
  protoc, out_dir, local, files = argv[1], argv[2], argv[3], argv[4:]
  os.makedirs(out_dir, exist_ok=True)
  descriptors = os.path.join(out_dir, "tf_serving_descriptors.pb")
  with open(descriptors, "wb") as f:
    f.write(_descriptor_set(files).SerializeToString())
  subprocess.run([protoc, "--descriptor_set_in=" + descriptors, "--cpp_out=" + out_dir] + files,
                 check=True)
  local_dir = os.path.dirname(local)
  subprocess.run([protoc, "--descriptor_set_in=" + descriptors, "--proto_path=" + local_dir,
                  "--cpp_out=" + os.path.join(out_dir, "tensorflow_serving/config"),
                  os.path.basename(local)], check=True)


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  main(sys.argv)
