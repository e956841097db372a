// EncodePredictionLogs: one serialized tensorflow.serving.PredictionLog per example, written
// directly in protobuf's wire format (no TensorFlow or TF Serving headers): TFX BulkInferrer's
// inference_result layout, each log holding the example's request and the model's answer.
//
// The signature's method picks the log: tensorflow/serving/predict gives a predict_log (the
// request's `input_alias` a DT_STRING tensor [1] of the example; the response each output's
// slice as a tensor [1, ...]); classify a classify_log (request example_list of the example;
// response classes and scores, from the outputs "classes" and/or "scores" of shape [rows, k]);
// regress a regress_log (the output "outputs", [rows] or [rows, 1]).
#ifndef TFX_CORE_SERVING_PREDICTION_LOG_H_
#define TFX_CORE_SERVING_PREDICTION_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core::serving {

// One signature output over a batch of `rows` examples: row-major values of shape
// [rows, inner_shape...].
struct OutputTensor {
  enum class Type { kFloat, kDouble, kInt32, kInt64, kBool, kString };
  std::string alias;
  Type type = Type::kFloat;
  std::vector<int64_t> inner_shape;
  const void* values = nullptr;               // Numeric types (bool: one byte each).
  std::vector<std::string_view> strings;      // kString.
};

struct PredictionLogSpec {
  std::string method;  // The signature's method_name.
  std::string model_name;
  std::string signature_name;
  std::string input_alias;  // predict: the signature's serialized-examples input.
};

// out receives examples.size() logs, one per example, in order.
Status EncodePredictionLogs(const PredictionLogSpec& spec,
                            const std::vector<std::string_view>& examples,
                            const std::vector<OutputTensor>& outputs,
                            std::vector<std::string>* out);

}  // namespace tfx_core::serving

#endif  // TFX_CORE_SERVING_PREDICTION_LOG_H_
