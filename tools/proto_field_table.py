"""Writes the (message, field, number, type) table of the protos we share with another project.

Three sets: tensorflow_metadata v0's (schema, statistics, anomalies, ...), TFX 1.21's
component configs (example_gen, trainer, pusher, ...) and TFMA 0.52's evaluation protos
(config as our eval_config, metrics_for_slice, validation_result). Each checked-in table was produced by
this script from the descriptors published in that project's wheel on PyPI, so our protos are
checked against them without installing it (their pins conflict with our TensorFlow):

    pip download tensorflow-metadata==1.21.0 --no-deps -d /tmp/tfmd
    unzip -o /tmp/tfmd/tensorflow_metadata-*.whl -d /tmp/tfmd
    PYTHONPATH=/tmp/tfmd .venv/bin/python tools/proto_field_table.py --set=tfmd \\
        > tests/testdata/tfmd_proto_fields.tsv

    pip download tfx==1.21.0 --no-deps -d /tmp/tfx
    unzip -o /tmp/tfx/tfx-*.whl 'tfx/proto/*' -d /tmp/tfx
    PYTHONPATH=/tmp/tfx .venv/bin/python tools/proto_field_table.py --set=tfx \\
        > tests/testdata/tfx_proto_fields.tsv

    pip download tensorflow-model-analysis==0.52.0 --no-deps -d /tmp/tfma
    unzip -o /tmp/tfma/tensorflow_model_analysis-*.whl 'tensorflow_model_analysis/proto/*' \\
        -d /tmp/tfma
    PYTHONPATH=/tmp/tfma .venv/bin/python tools/proto_field_table.py --set=tfma \\
        > tests/testdata/tfma_proto_fields.tsv

With --ours it prints the same table for tfx_core.proto; tests/proto_compat_test.py does that
comparison. Names are local to their proto package, oneof members say which oneof.
"""

import argparse
import importlib
import sys

# TFMA's generated modules use wrappers.proto without importing it.
from google.protobuf import wrappers_pb2  # pylint: disable=unused-import

# set -> (their module package, the proto files: a name, or (theirs, ours) where ours differs)
SETS = {
    "tfmd": ("tensorflow_metadata.proto.v0",
             ["path", "derived_feature", "schema", "statistics", "anomalies"]),
    "tfx": ("tfx.proto",
            ["example_gen", "range_config", "transform", "trainer", "tuner", "pusher",
             "infra_validator", "bulk_inferrer"]),
    "tfma": ("tensorflow_model_analysis.proto",
             [("config", "eval_config"), "metrics_for_slice", "validation_result"]),
}
OURS = "tfx_core.proto"


def _local(descriptor):
  """tensorflow.metadata.v0.Schema and tfx_core.v0.Schema are both `Schema`;
  tfx.components.trainer.TrainArgs and tfx_core.components.trainer.TrainArgs `TrainArgs`."""
  package = descriptor.file.package
  full = descriptor.full_name
  if package.startswith("google.") or not full.startswith(package + "."):
    return full  # Well-known types keep their names.
  return full[len(package) + 1:]


def _type_name(field):
  if field.message_type is not None:
    return _local(field.message_type)
  if field.enum_type is not None:
    return _local(field.enum_type)
  return {
      1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64",
      7: "fixed32", 8: "bool", 9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32",
      16: "sfixed64", 17: "sint32", 18: "sint64",
  }[field.type]


def _walk_message(message, rows):
  name = _local(message)
  for field in message.fields:
    label = "repeated" if field.is_repeated else "single"
    kind = "%s %s" % (label, _type_name(field))
    oneof = field.containing_oneof
    if oneof is not None and not oneof.name.startswith("_"):  # "_x": proto3 `optional`.
      kind += " (oneof %s)" % oneof.name
    rows.append((name, field.name, field.number, kind))
  for enum in message.enum_types:
    _walk_enum(enum, rows)
  for nested in message.nested_types:
    if not nested.GetOptions().map_entry:
      _walk_message(nested, rows)


def _walk_enum(enum, rows):
  name = _local(enum)
  for value in enum.values:
    rows.append((name, value.name, value.number, "enum value"))


def table(set_name, package=None):
  """Sorted rows for `set_name`'s files as found under `package` (default: theirs)."""
  their_package, files = SETS[set_name]
  rows = []
  for file in files:
    theirs, ours = file if isinstance(file, tuple) else (file, file)
    module = importlib.import_module("%s.%s_pb2" % (package or their_package,
                                                    ours if package else theirs))
    for message in module.DESCRIPTOR.message_types_by_name.values():
      _walk_message(message, rows)
    for enum in module.DESCRIPTOR.enum_types_by_name.values():
      _walk_enum(enum, rows)
  return sorted(rows)


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--set", choices=sorted(SETS), required=True)
  parser.add_argument("--ours", action="store_true", help="print tfx_core.proto's table instead")
  args = parser.parse_args()
  sys.stdout.write("# message\tfield\tnumber\ttype (from tools/proto_field_table.py --set=%s)\n"
                   % args.set)
  for row in table(args.set, OURS if args.ours else None):
    sys.stdout.write("%s\t%s\t%d\t%s\n" % row)


if __name__ == "__main__":
  main()
