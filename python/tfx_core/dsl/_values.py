"""Typed parameter values in the IR (pipeline_pb2.Value) and back to Python.

Scalars keep their type (bool is not int), config protos travel as Any and come back as the
same message class, lists and string-keyed dicts nest.
"""

from google.protobuf import json_format, message, symbol_database

from tfx_core.proto import pipeline_pb2 as ppb


def to_ir_value(value):
  """A pipeline_pb2.Value for a Python value (bool, int, float, str, proto, list, dict)."""
  out = ppb.Value()
  if isinstance(value, bool):
    out.bool_value = value
  elif isinstance(value, int):
    out.int_value = value
  elif isinstance(value, float):
    out.double_value = value
  elif isinstance(value, str):
    out.string_value = value
  elif isinstance(value, message.Message):
    out.proto_value.Pack(value)
  elif isinstance(value, (list, tuple)):
    out.list_value.SetInParent()
    out.list_value.values.extend(to_ir_value(v) for v in value)
  elif isinstance(value, dict):
    out.map_value.SetInParent()
    for key, item in value.items():
      if not isinstance(key, str):
        raise TypeError("parameter maps need string keys, got %r" % (key,))
      out.map_value.values[key].CopyFrom(to_ir_value(item))
  else:
    raise TypeError("a parameter must be a bool, int, float, str, proto, list or dict; got %r" %
                    (value,))
  return out


def from_ir_value(value):
  """The Python value of a pipeline_pb2.Value (protos as their own message class)."""
  kind = value.WhichOneof("kind")
  if kind is None:
    return None
  if kind == "proto_value":
    name = value.proto_value.TypeName()
    _import_config_protos()
    try:
      cls = symbol_database.Default().GetSymbol(name)
    except KeyError:
      raise ValueError("parameter holds a %s proto, which no loaded module defines" % name)
    unpacked = cls()
    value.proto_value.Unpack(unpacked)
    return unpacked
  if kind == "list_value":
    return [from_ir_value(v) for v in value.list_value.values]
  if kind == "map_value":
    return {k: from_ir_value(v) for k, v in sorted(value.map_value.values.items())}
  return getattr(value, kind)


def jsonable(value):
  """A JSON-serializable form for cache keys and logs (protos as their JSON with the type)."""
  if isinstance(value, message.Message):
    return {"@type": value.DESCRIPTOR.full_name,
            "value": json_format.MessageToDict(value, preserving_proto_field_name=True)}
  if isinstance(value, (list, tuple)):
    return [jsonable(v) for v in value]
  if isinstance(value, dict):
    return {k: jsonable(v) for k, v in value.items()}
  return value


def _import_config_protos():
  # The config messages users pass as parameters live in tfx_core.proto; importing the
  # package registers them with the default symbol database.
  import tfx_core.proto  # pylint: disable=import-outside-toplevel,unused-import
