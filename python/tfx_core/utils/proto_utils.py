"""Protos to and from JSON, as TFX's `tfx.utils.proto_utils` does them (field names as in the
.proto, every field written, keys sorted), so configs stored by either read the same."""

import json

from google.protobuf import json_format


def proto_to_json(proto):
  """The message as JSON text: proto field names, default values included, keys sorted."""
  as_dict = json_format.MessageToDict(proto, preserving_proto_field_name=True,
                                      always_print_fields_with_no_presence=True)
  return json.dumps(as_dict, sort_keys=True)


def json_to_proto(json_str, proto):
  """Parses json_str into `proto` (a message instance) and returns it; unknown fields are
  an error naming them."""
  json_format.Parse(json_str, proto)
  return proto

