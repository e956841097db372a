"""Writes the (message, field, number, type) table of tensorflow_metadata v0's protos.

tests/testdata/tfmd_v0_fields.tsv was produced by this script from the descriptors published
in the tensorflow-metadata wheel on PyPI, so our protos can be checked against them without
installing tensorflow-metadata (its pins conflict with our TensorFlow):

    pip download tensorflow-metadata==1.21.0 --no-deps -d /tmp/tfmd
    unzip -o /tmp/tfmd/tensorflow_metadata-*.whl -d /tmp/tfmd
    PYTHONPATH=/tmp/tfmd .venv/bin/python tools/tfmd_field_table.py > tests/testdata/tfmd_v0_fields.tsv

Run with our own generated modules (`--ours`) it prints the same table for tfx_core.proto;
tests/proto_compat_test.py does exactly that comparison.
"""

import argparse
import importlib
import sys

_FILES = ["path", "derived_feature", "schema", "statistics", "anomalies"]
_PACKAGES = {"tfmd": "tensorflow_metadata.proto.v0", "ours": "tfx_core.proto"}


def _local(full_name):
  """tensorflow.metadata.v0.Schema and tfx_core.v0.Schema are both `Schema`."""
  return full_name.split(".v0.", 1)[1] if ".v0." in full_name else full_name


def _type_name(field):
  if field.message_type is not None:
    return _local(field.message_type.full_name)
  if field.enum_type is not None:
    return _local(field.enum_type.full_name)
  return {
      1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64",
      7: "fixed32", 8: "bool", 9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32",
      16: "sfixed64", 17: "sint32", 18: "sint64",
  }[field.type]


def _walk_message(message, rows):
  name = _local(message.full_name)
  for field in message.fields:
    label = "repeated" if field.is_repeated else "single"
    rows.append((name, field.name, field.number, "%s %s" % (label, _type_name(field))))
  for enum in message.enum_types:
    _walk_enum(enum, rows)
  for nested in message.nested_types:
    if not nested.GetOptions().map_entry:
      _walk_message(nested, rows)


def _walk_enum(enum, rows):
  name = _local(enum.full_name)
  for value in enum.values:
    rows.append((name, value.name, value.number, "enum value"))


def table(package):
  rows = []
  for file in _FILES:
    module = importlib.import_module("%s.%s_pb2" % (package, file))
    for message in module.DESCRIPTOR.message_types_by_name.values():
      _walk_message(message, rows)
    for enum in module.DESCRIPTOR.enum_types_by_name.values():
      _walk_enum(enum, rows)
  return sorted(rows)


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--ours", action="store_true", help="print tfx_core.proto's table instead")
  args = parser.parse_args()
  sys.stdout.write("# message\tfield\tnumber\ttype (from tools/tfmd_field_table.py)\n")
  for row in table(_PACKAGES["ours" if args.ours else "tfmd"]):
    sys.stdout.write("%s\t%s\t%d\t%s\n" % row)


if __name__ == "__main__":
  main()
