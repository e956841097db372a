#include "tfx_core/serving/prediction_log.h"

#include <cstring>

namespace tfx_core::serving {
namespace {

constexpr char kPredict[] = "tensorflow/serving/predict";
constexpr char kClassify[] = "tensorflow/serving/classify";
constexpr char kRegress[] = "tensorflow/serving/regress";
// PredictionLog's oneof fields, and tensorflow.DataType values.
constexpr int kClassifyLog = 2, kRegressLog = 3, kPredictLog = 6;
constexpr int kDtFloat = 1, kDtDouble = 2, kDtInt32 = 3, kDtString = 7, kDtInt64 = 9,
              kDtBool = 10;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(int field, std::string_view payload, std::string* out) {
  PutVarint(static_cast<uint64_t>(field) << 3 | 2, out);
  PutVarint(payload.size(), out);
  out->append(payload);
}

void PutInt(int field, uint64_t value, std::string* out) {
  PutVarint(static_cast<uint64_t>(field) << 3, out);
  PutVarint(value, out);
}

void PutFloat(int field, float value, std::string* out) {
  PutVarint(static_cast<uint64_t>(field) << 3 | 5, out);
  char bytes[4];
  std::memcpy(bytes, &value, 4);
  out->append(bytes, 4);
}

size_t ElementSize(OutputTensor::Type type) {
  switch (type) {
    case OutputTensor::Type::kDouble:
    case OutputTensor::Type::kInt64: return 8;
    case OutputTensor::Type::kBool: return 1;
    default: return 4;
  }
}

int DataType(OutputTensor::Type type) {
  switch (type) {
    case OutputTensor::Type::kFloat: return kDtFloat;
    case OutputTensor::Type::kDouble: return kDtDouble;
    case OutputTensor::Type::kInt32: return kDtInt32;
    case OutputTensor::Type::kInt64: return kDtInt64;
    case OutputTensor::Type::kBool: return kDtBool;
    default: return kDtString;
  }
}

int64_t Width(const OutputTensor& t) {
  int64_t width = 1;
  for (int64_t d : t.inner_shape) width *= d;
  return width;
}

// TensorProto of row `row` of `t`, shape [1, inner_shape...].
std::string RowTensor(const OutputTensor& t, int64_t row) {
  std::string proto, shape, dim;
  PutInt(1, DataType(t.type), &proto);
  PutInt(1, 1, &dim);
  PutBytes(2, dim, &shape);
  for (int64_t d : t.inner_shape) {
    dim.clear();
    PutInt(1, static_cast<uint64_t>(d), &dim);
    PutBytes(2, dim, &shape);
  }
  PutBytes(2, shape, &proto);
  const int64_t width = Width(t);
  if (t.type == OutputTensor::Type::kString) {
    for (int64_t i = 0; i < width; ++i) PutBytes(8, t.strings[row * width + i], &proto);
  } else {
    const size_t bytes = ElementSize(t.type) * width;
    PutBytes(4, std::string_view(static_cast<const char*>(t.values) + row * bytes, bytes),
             &proto);  // tensor_content: little-endian values, as TensorFlow writes them.
  }
  return proto;
}

// ModelSpec{name, signature_name}.
std::string ModelSpec(const PredictionLogSpec& spec) {
  std::string out;
  PutBytes(1, spec.model_name, &out);
  PutBytes(3, spec.signature_name, &out);
  return out;
}

// ClassificationRequest / RegressionRequest of one example: model_spec, input.example_list.
std::string ExampleRequest(const std::string& model_spec, std::string_view example) {
  std::string list, input, request;
  PutBytes(1, example, &list);
  PutBytes(1, list, &input);
  PutBytes(1, model_spec, &request);
  PutBytes(2, input, &request);
  return request;
}

const OutputTensor* Find(const std::vector<OutputTensor>& outputs, const char* alias) {
  for (const OutputTensor& t : outputs) {
    if (t.alias == alias) return &t;
  }
  return nullptr;
}

Status CheckClassifyOutputs(const OutputTensor* classes, const OutputTensor* scores) {
  if (classes == nullptr && scores == nullptr) {
    return InvalidArgument("a classify signature needs an output \"classes\" or \"scores\"");
  }
  if (classes != nullptr && (classes->type != OutputTensor::Type::kString ||
                             classes->inner_shape.size() != 1)) {
    return InvalidArgument("classify output \"classes\" must be strings of shape [rows, k]");
  }
  if (scores != nullptr && (scores->type != OutputTensor::Type::kFloat ||
                            scores->inner_shape.size() != 1)) {
    return InvalidArgument("classify output \"scores\" must be float32 of shape [rows, k]");
  }
  if (classes != nullptr && scores != nullptr && Width(*classes) != Width(*scores)) {
    return InvalidArgument("classify outputs \"classes\" and \"scores\" differ in width");
  }
  return Status();
}

// ClassificationResult.classifications(1) of one row: Class{label, score} per class.
std::string Classifications(const OutputTensor* classes, const OutputTensor* scores,
                            int64_t row) {
  const int64_t k = Width(classes != nullptr ? *classes : *scores);
  std::string classifications;
  for (int64_t i = 0; i < k; ++i) {
    std::string one;
    if (classes != nullptr) PutBytes(1, classes->strings[row * k + i], &one);
    if (scores != nullptr) PutFloat(2, static_cast<const float*>(scores->values)[row * k + i], &one);
    PutBytes(1, one, &classifications);
  }
  return classifications;
}

}  // namespace

Status EncodePredictionLogs(const PredictionLogSpec& spec,
                            const std::vector<std::string_view>& examples,
                            const std::vector<OutputTensor>& outputs,
                            std::vector<std::string>* out) {
  const int64_t rows = static_cast<int64_t>(examples.size());
  for (const OutputTensor& t : outputs) {
    if (t.type == OutputTensor::Type::kString &&
        static_cast<int64_t>(t.strings.size()) != rows * Width(t)) {
      return InvalidArgument("output ", t.alias, " has ", t.strings.size(), " strings for ",
                             rows, " rows of width ", Width(t));
    }
  }
  const std::string model_spec = ModelSpec(spec);
  const OutputTensor* classes = Find(outputs, "classes");
  const OutputTensor* scores = Find(outputs, "scores");
  const OutputTensor* values = Find(outputs, "outputs");
  int log_field;
  if (spec.method == kPredict) {
    log_field = kPredictLog;
  } else if (spec.method == kClassify) {
    log_field = kClassifyLog;
    Status valid = CheckClassifyOutputs(classes, scores);
    if (!valid.ok()) return valid;
  } else if (spec.method == kRegress) {
    log_field = kRegressLog;
    if (values == nullptr || values->type != OutputTensor::Type::kFloat || Width(*values) != 1) {
      return InvalidArgument("a regress signature needs a float32 output \"outputs\" of shape "
                             "[rows] or [rows, 1]");
    }
  } else {
    return InvalidArgument("no PredictionLog for signature method '", spec.method, "' (",
                           kPredict, ", ", kClassify, " or ", kRegress, ")");
  }
  out->clear();
  out->reserve(rows);
  for (int64_t row = 0; row < rows; ++row) {
    std::string request, response, log, entry;
    if (log_field == kPredictLog) {
      std::string input;
      PutInt(1, kDtString, &input);
      std::string dim, shape;
      PutInt(1, 1, &dim);
      PutBytes(2, dim, &shape);
      PutBytes(2, shape, &input);
      PutBytes(8, examples[row], &input);
      PutBytes(1, model_spec, &request);
      PutBytes(1, spec.input_alias, &entry);
      PutBytes(2, input, &entry);
      PutBytes(2, entry, &request);
      for (const OutputTensor& t : outputs) {  // PredictResponse.outputs (1), a map.
        entry.clear();
        PutBytes(1, t.alias, &entry);
        PutBytes(2, RowTensor(t, row), &entry);
        PutBytes(1, entry, &response);
      }
    } else {
      request = ExampleRequest(model_spec, examples[row]);
      std::string result;
      if (log_field == kClassifyLog) {
        PutBytes(1, Classifications(classes, scores, row), &result);
      } else {
        std::string regression;
        PutFloat(1, static_cast<const float*>(values->values)[row], &regression);
        PutBytes(1, regression, &result);
      }
      PutBytes(1, result, &response);
    }
    PutBytes(2, model_spec, &response);
    PutBytes(1, request, &log);
    PutBytes(2, response, &log);
    std::string prediction_log;
    PutBytes(log_field, log, &prediction_log);
    out->push_back(std::move(prediction_log));
  }
  return Status();
}

}  // namespace tfx_core::serving
