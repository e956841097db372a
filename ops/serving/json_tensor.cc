#include "ops/serving/json_tensor.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "tensorflow/core/framework/types.h"

namespace tfx_core::serving {
namespace {

using rapidjson::Value;
using tensorflow::DataType;
using tensorflow::Tensor;

bool IsB64(const Value& v) {
  return v.IsObject() && v.MemberCount() == 1 && v.HasMember("b64") && v["b64"].IsString();
}

const char* KindOf(const Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsArray()) return "a list";
  return "an object";
}

template <typename Int>
bool ToInteger(const Value& v, Int* out) {
  if (v.IsInt64()) {
    const int64_t x = v.GetInt64();
    if (x < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        (x > 0 && static_cast<uint64_t>(x) > std::numeric_limits<Int>::max())) {
      return false;
    }
    *out = static_cast<Int>(x);
    return true;
  }
  if (v.IsUint64() && v.GetUint64() <= std::numeric_limits<Int>::max()) {
    *out = static_cast<Int>(v.GetUint64());
    return true;
  }
  return false;
}

// Writes one JSON scalar into element `i` of `t`.
absl::Status WriteScalar(const Value& v, const std::string& name, int64_t i, Tensor* t) {
  const DataType dtype = t->dtype();
  auto mismatch = [&](const char* wanted) {
    return absl::InvalidArgumentError("input '" + name + "' expects " + wanted + " (" +
                                      tensorflow::DataTypeString(dtype) + "), got " + KindOf(v));
  };
  auto integer = [&](auto* out) -> absl::Status {
    if (!ToInteger(v, out)) {
      return v.IsNumber() ? absl::InvalidArgumentError(
                                "input '" + name + "' expects integers in the range of " +
                                tensorflow::DataTypeString(dtype) + ", got a value outside it or"
                                " with a fraction")
                          : mismatch("integers");
    }
    return absl::OkStatus();
  };
  switch (dtype) {
    case tensorflow::DT_FLOAT:
      if (!v.IsNumber()) return mismatch("numbers");
      t->flat<float>()(i) = static_cast<float>(v.GetDouble());
      return absl::OkStatus();
    case tensorflow::DT_DOUBLE:
      if (!v.IsNumber()) return mismatch("numbers");
      t->flat<double>()(i) = v.GetDouble();
      return absl::OkStatus();
    case tensorflow::DT_HALF:
      if (!v.IsNumber()) return mismatch("numbers");
      t->flat<Eigen::half>()(i) = static_cast<Eigen::half>(v.GetDouble());
      return absl::OkStatus();
    case tensorflow::DT_BFLOAT16:
      if (!v.IsNumber()) return mismatch("numbers");
      t->flat<tensorflow::bfloat16>()(i) = static_cast<tensorflow::bfloat16>(v.GetDouble());
      return absl::OkStatus();
    case tensorflow::DT_INT8: return integer(&t->flat<int8_t>()(i));
    case tensorflow::DT_INT16: return integer(&t->flat<int16_t>()(i));
    case tensorflow::DT_INT32: return integer(&t->flat<int32_t>()(i));
    case tensorflow::DT_INT64: return integer(&t->flat<int64_t>()(i));
    case tensorflow::DT_UINT8: return integer(&t->flat<uint8_t>()(i));
    case tensorflow::DT_UINT16: return integer(&t->flat<uint16_t>()(i));
    case tensorflow::DT_UINT32: return integer(&t->flat<uint32_t>()(i));
    case tensorflow::DT_UINT64: return integer(&t->flat<uint64_t>()(i));
    case tensorflow::DT_BOOL:
      if (!v.IsBool()) return mismatch("booleans");
      t->flat<bool>()(i) = v.GetBool();
      return absl::OkStatus();
    case tensorflow::DT_STRING:
      if (v.IsString()) {
        t->flat<tensorflow::tstring>()(i).assign(v.GetString(), v.GetStringLength());
        return absl::OkStatus();
      }
      if (IsB64(v)) {
        auto bytes = Base64Decode({v["b64"].GetString(), v["b64"].GetStringLength()});
        if (!bytes.ok()) {
          return absl::InvalidArgumentError("input '" + name + "': " +
                                            std::string(bytes.status().message()));
        }
        t->flat<tensorflow::tstring>()(i) = *bytes;
        return absl::OkStatus();
      }
      return mismatch("strings or {\"b64\": ...} objects");
    default:
      return absl::UnimplementedError("input '" + name + "' has dtype " +
                                      tensorflow::DataTypeString(dtype) +
                                      ", which the REST API does not encode");
  }
}

// The shape of a nested JSON list, read along its first elements.
void ShapeOf(const Value& v, std::vector<int64_t>* dims) {
  const Value* p = &v;
  while (p->IsArray()) {
    dims->push_back(p->Size());
    if (p->Empty()) break;
    p = &(*p)[0];
  }
}

std::string ShapeString(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

absl::Status Fill(const Value& v, size_t depth, const std::vector<int64_t>& dims,
                  const std::string& name, int64_t* next, Tensor* t) {
  if (depth < dims.size()) {
    if (!v.IsArray() || static_cast<int64_t>(v.Size()) != dims[depth]) {
      return absl::InvalidArgumentError(
          "input '" + name + "' is not a rectangular list of shape " + ShapeString(dims) +
          ": at depth " + std::to_string(depth) + " found " +
          (v.IsArray() ? "a list of " + std::to_string(v.Size()) : std::string(KindOf(v))));
    }
    for (const Value& e : v.GetArray()) {
      absl::Status status = Fill(e, depth + 1, dims, name, next, t);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  if (v.IsArray()) {
    return absl::InvalidArgumentError("input '" + name + "' is not a rectangular list of shape " +
                                      ShapeString(dims) + ": found a deeper list at depth " +
                                      std::to_string(depth));
  }
  return WriteScalar(v, name, (*next)++, t);
}

// A tensor from rows (each a nested list of the same shape) or from one nested value.
absl::StatusOr<Tensor> Stack(const std::vector<const Value*>& rows, DataType dtype,
                             const std::string& name) {
  std::vector<int64_t> dims = {static_cast<int64_t>(rows.size())};
  if (!rows.empty()) ShapeOf(*rows[0], &dims);
  tensorflow::TensorShape shape;
  for (int64_t d : dims) shape.AddDim(d);
  Tensor t(dtype, shape);
  int64_t next = 0;
  for (const Value* row : rows) {
    absl::Status status = Fill(*row, 1, dims, name, &next, &t);
    if (!status.ok()) return status;
  }
  return t;
}

absl::StatusOr<Tensor> FromValue(const Value& v, DataType dtype, const std::string& name) {
  std::vector<int64_t> dims;
  ShapeOf(v, &dims);
  tensorflow::TensorShape shape;
  for (int64_t d : dims) shape.AddDim(d);
  Tensor t(dtype, shape);
  int64_t next = 0;
  absl::Status status = Fill(v, 0, dims, name, &next, &t);
  if (!status.ok()) return status;
  return t;
}

std::string InputNames(const tensorflow::SignatureDef& signature) {
  std::string out;
  for (const auto& [alias, unused] : signature.inputs()) out += (out.empty() ? "" : ", ") + alias;
  return out;
}

absl::StatusOr<DataType> InputType(const tensorflow::SignatureDef& signature,
                                   const std::string& alias) {
  auto it = signature.inputs().find(alias);
  if (it == signature.inputs().end()) {
    return absl::InvalidArgumentError("input '" + alias + "' is not in the signature (its inputs: " +
                                      InputNames(signature) + ")");
  }
  return it->second.dtype();
}

void WriteElement(const Tensor& t, int64_t i, bool as_b64, JsonWriter* w) {
  auto write_float = [w](double x, bool single) {
    if (std::isnan(x)) {
      w->RawValue("NaN", 3, rapidjson::kNumberType);
    } else if (std::isinf(x)) {
      x > 0 ? w->RawValue("Infinity", 8, rapidjson::kNumberType)
            : w->RawValue("-Infinity", 9, rapidjson::kNumberType);
    } else {
      // Shortest text that reads back as the same float (or double).
      char buffer[32];
      auto end = single ? std::to_chars(buffer, buffer + sizeof(buffer), static_cast<float>(x))
                        : std::to_chars(buffer, buffer + sizeof(buffer), x);
      w->RawValue(buffer, end.ptr - buffer, rapidjson::kNumberType);
    }
  };
  switch (t.dtype()) {
    case tensorflow::DT_FLOAT: write_float(t.flat<float>()(i), true); break;
    case tensorflow::DT_DOUBLE: write_float(t.flat<double>()(i), false); break;
    case tensorflow::DT_HALF: write_float(static_cast<float>(t.flat<Eigen::half>()(i)), true); break;
    case tensorflow::DT_BFLOAT16:
      write_float(static_cast<float>(t.flat<tensorflow::bfloat16>()(i)), true);
      break;
    case tensorflow::DT_INT8: w->Int(t.flat<int8_t>()(i)); break;
    case tensorflow::DT_INT16: w->Int(t.flat<int16_t>()(i)); break;
    case tensorflow::DT_INT32: w->Int(t.flat<int32_t>()(i)); break;
    case tensorflow::DT_INT64: w->Int64(t.flat<int64_t>()(i)); break;
    case tensorflow::DT_UINT8: w->Uint(t.flat<uint8_t>()(i)); break;
    case tensorflow::DT_UINT16: w->Uint(t.flat<uint16_t>()(i)); break;
    case tensorflow::DT_UINT32: w->Uint(t.flat<uint32_t>()(i)); break;
    case tensorflow::DT_UINT64: w->Uint64(t.flat<uint64_t>()(i)); break;
    case tensorflow::DT_BOOL: w->Bool(t.flat<bool>()(i)); break;
    case tensorflow::DT_STRING: {
      const tensorflow::tstring& s = t.flat<tensorflow::tstring>()(i);
      if (as_b64) {
        w->StartObject();
        w->Key("b64");
        const std::string encoded = Base64Encode({s.data(), s.size()});
        w->String(encoded.data(), encoded.size());
        w->EndObject();
      } else {
        w->String(s.data(), s.size());
      }
      break;
    }
    default: w->Null();
  }
}

// Writes the sub-tensor at `offset` spanning dimensions [depth, dims).
void WriteSub(const Tensor& t, int depth, int64_t offset, bool as_b64, JsonWriter* w) {
  if (depth == t.dims()) {
    WriteElement(t, offset, as_b64, w);
    return;
  }
  int64_t stride = 1;
  for (int d = depth + 1; d < t.dims(); ++d) stride *= t.dim_size(d);
  w->StartArray();
  for (int64_t k = 0; k < t.dim_size(depth); ++k) {
    WriteSub(t, depth + 1, offset + k * stride, as_b64, w);
  }
  w->EndArray();
}

bool EndsWithBytes(const std::string& alias) {
  return alias.size() >= 6 && alias.compare(alias.size() - 6, 6, "_bytes") == 0;
}

bool SupportedOutput(DataType dtype) {
  switch (dtype) {
    case tensorflow::DT_FLOAT: case tensorflow::DT_DOUBLE: case tensorflow::DT_HALF:
    case tensorflow::DT_BFLOAT16: case tensorflow::DT_INT8: case tensorflow::DT_INT16:
    case tensorflow::DT_INT32: case tensorflow::DT_INT64: case tensorflow::DT_UINT8:
    case tensorflow::DT_UINT16: case tensorflow::DT_UINT32: case tensorflow::DT_UINT64:
    case tensorflow::DT_BOOL: case tensorflow::DT_STRING:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status JsonToInputs(const Value& body, const tensorflow::SignatureDef& signature,
                          bool* row_format, NamedTensors* inputs) {
  const bool has_instances = body.HasMember("instances");
  const bool has_inputs = body.HasMember("inputs");
  if (has_instances == has_inputs) {
    return absl::InvalidArgumentError(
        has_instances ? "Not formatted correctly: both 'instances' and 'inputs' are given; use one"
                      : "Missing 'inputs' or 'instances' key");
  }
  *row_format = has_instances;
  if (has_instances) {
    const Value& instances = body["instances"];
    if (!instances.IsArray()) {
      return absl::InvalidArgumentError("'instances' must be a list, got " +
                                        std::string(KindOf(instances)));
    }
    if (instances.Empty()) return absl::InvalidArgumentError("'instances' is an empty list");
    const bool named = instances[0].IsObject() && !IsB64(instances[0]);
    if (!named) {
      if (signature.inputs_size() != 1) {
        return absl::InvalidArgumentError(
            "'instances' holds unnamed values, but the signature has " +
            std::to_string(signature.inputs_size()) + " inputs (" + InputNames(signature) +
            "): send a list of objects keyed by input name");
      }
      const auto& [alias, info] = *signature.inputs().begin();
      auto t = FromValue(instances, info.dtype(), alias);
      if (!t.ok()) return t.status();
      inputs->emplace_back(alias, *std::move(t));
      return absl::OkStatus();
    }
    std::set<std::string> first_keys;
    for (const auto& m : instances[0].GetObject()) first_keys.insert(m.name.GetString());
    for (const std::string& alias : first_keys) {
      auto dtype = InputType(signature, alias);
      if (!dtype.ok()) return dtype.status();
      std::vector<const Value*> rows;
      rows.reserve(instances.Size());
      for (rapidjson::SizeType i = 0; i < instances.Size(); ++i) {
        const Value& instance = instances[i];
        if (!instance.IsObject() || IsB64(instance) || instance.MemberCount() != first_keys.size()) {
          return absl::InvalidArgumentError("instance " + std::to_string(i) +
                                            " does not have the same keys as instance 0: " +
                                            "every instance needs every input");
        }
        auto member = instance.FindMember(alias.c_str());
        if (member == instance.MemberEnd()) {
          return absl::InvalidArgumentError("instance " + std::to_string(i) + " has no input '" +
                                            alias + "'");
        }
        rows.push_back(&member->value);
      }
      auto t = Stack(rows, *dtype, alias);
      if (!t.ok()) return t.status();
      inputs->emplace_back(alias, *std::move(t));
    }
    return absl::OkStatus();
  }
  const Value& columns = body["inputs"];
  if (columns.IsObject() && !IsB64(columns)) {
    for (const auto& m : columns.GetObject()) {
      const std::string alias = m.name.GetString();
      auto dtype = InputType(signature, alias);
      if (!dtype.ok()) return dtype.status();
      auto t = FromValue(m.value, *dtype, alias);
      if (!t.ok()) return t.status();
      inputs->emplace_back(alias, *std::move(t));
    }
    return absl::OkStatus();
  }
  if (signature.inputs_size() != 1) {
    return absl::InvalidArgumentError("'inputs' holds an unnamed value, but the signature has " +
                                      std::to_string(signature.inputs_size()) + " inputs (" +
                                      InputNames(signature) + "): send an object keyed by input"
                                      " name");
  }
  const auto& [alias, info] = *signature.inputs().begin();
  auto t = FromValue(columns, info.dtype(), alias);
  if (!t.ok()) return t.status();
  inputs->emplace_back(alias, *std::move(t));
  return absl::OkStatus();
}

absl::StatusOr<std::string> OutputsToJson(const NamedTensors& outputs, bool row_format) {
  for (const auto& [alias, t] : outputs) {
    if (!SupportedOutput(t.dtype())) {
      return absl::UnimplementedError("output '" + alias + "' has dtype " +
                                      tensorflow::DataTypeString(t.dtype()) +
                                      ", which the REST API does not encode");
    }
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (row_format) {
    int64_t batch = -1;
    for (const auto& [alias, t] : outputs) {
      if (t.dims() == 0) {
        return absl::InvalidArgumentError("output '" + alias + "' is a scalar, which has no rows:"
                                          " use the columnar format (\"inputs\")");
      }
      if (batch >= 0 && t.dim_size(0) != batch) {
        return absl::InvalidArgumentError(
            "Tensor name: " + alias + " has inconsistent batch size: " +
            std::to_string(t.dim_size(0)) + " expecting: " + std::to_string(batch));
      }
      batch = t.dim_size(0);
    }
    w.Key("predictions");
    w.StartArray();
    for (int64_t i = 0; i < batch; ++i) {
      if (outputs.size() == 1) {
        const Tensor& t = outputs[0].second;
        WriteSub(t, 1, i * (t.NumElements() / batch), EndsWithBytes(outputs[0].first), &w);
        continue;
      }
      w.StartObject();
      for (const auto& [alias, t] : outputs) {
        w.Key(alias.data(), alias.size());
        WriteSub(t, 1, i * (t.NumElements() / batch), EndsWithBytes(alias), &w);
      }
      w.EndObject();
    }
    w.EndArray();
  } else {
    w.Key("outputs");
    if (outputs.size() == 1) {
      WriteSub(outputs[0].second, 0, 0, EndsWithBytes(outputs[0].first), &w);
    } else {
      w.StartObject();
      for (const auto& [alias, t] : outputs) {
        w.Key(alias.data(), alias.size());
        WriteSub(t, 0, 0, EndsWithBytes(alias), &w);
      }
      w.EndObject();
    }
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::Status JsonToExample(const Value& object, tensorflow::Example* example) {
  if (!object.IsObject()) {
    return absl::InvalidArgumentError("an example must be a JSON object of feature name -> value,"
                                      " got " + std::string(KindOf(object)));
  }
  auto& features = *example->mutable_features()->mutable_feature();
  for (const auto& m : object.GetObject()) {
    const std::string name = m.name.GetString();
    std::vector<const Value*> values;
    if (m.value.IsArray()) {
      for (const Value& v : m.value.GetArray()) values.push_back(&v);
    } else {
      values.push_back(&m.value);
    }
    bool any_string = false, any_number = false, any_fraction = false;
    for (const Value* v : values) {
      if (v->IsString() || IsB64(*v)) {
        any_string = true;
      } else if (v->IsNumber()) {
        any_number = true;
        any_fraction |= !(v->IsInt64() || v->IsUint64());
      } else {
        return absl::InvalidArgumentError("feature '" + name + "' must hold numbers or strings"
                                          " (or a flat list of them), got " + KindOf(*v));
      }
    }
    if (any_string && any_number) {
      return absl::InvalidArgumentError("feature '" + name + "' mixes numbers and strings");
    }
    tensorflow::Feature& feature = features[name];
    if (any_string) {
      auto* list = feature.mutable_bytes_list();
      for (const Value* v : values) {
        if (v->IsString()) {
          list->add_value(v->GetString(), v->GetStringLength());
        } else {
          auto bytes = Base64Decode({(*v)["b64"].GetString(), (*v)["b64"].GetStringLength()});
          if (!bytes.ok()) {
            return absl::InvalidArgumentError("feature '" + name + "': " +
                                              std::string(bytes.status().message()));
          }
          list->add_value(*bytes);
        }
      }
    } else if (any_fraction) {
      auto* list = feature.mutable_float_list();
      for (const Value* v : values) list->add_value(static_cast<float>(v->GetDouble()));
    } else {
      auto* list = feature.mutable_int64_list();
      for (const Value* v : values) {
        list->add_value(v->IsInt64() ? v->GetInt64() : static_cast<int64_t>(v->GetUint64()));
      }
    }
  }
  return absl::OkStatus();
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  // Standard and web-safe alphabets; padding optional.
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("invalid base64: bad length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int v = value(text[i]);
    if (v < 0) {
      return absl::InvalidArgumentError("invalid base64: character " + std::to_string(i) +
                                        " is not in the alphabet");
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace tfx_core::serving
