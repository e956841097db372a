// TF Serving's REST encodings between JSON and tensors / tf.Examples, on RapidJSON.
//
// Numbers take the signature's dtype; strings are bytes, and {"b64": "..."} carries binary
// bytes; NaN, Infinity and -Infinity are accepted and written as those tokens. String outputs
// whose alias ends in "_bytes" are written as {"b64": ...}, as TF Serving does.
#ifndef OPS_SERVING_JSON_TENSOR_H_
#define OPS_SERVING_JSON_TENSOR_H_

#include <string>
#include <string_view>

#include "ops/serving/prediction.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tensorflow/core/example/example.pb.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace tfx_core::serving {

// The REST API's JSON writer: NaN and Infinity are written as those tokens.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                     rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;

// The tensors of a predict request body's "instances" (row format) or "inputs" (columnar
// format), typed and named by the signature's inputs.
absl::Status JsonToInputs(const rapidjson::Value& body, const tensorflow::SignatureDef& signature,
                          bool* row_format, NamedTensors* inputs);

// {"predictions": ...} (row format) or {"outputs": ...} (columnar).
absl::StatusOr<std::string> OutputsToJson(const NamedTensors& outputs, bool row_format);

// A JSON object of feature name -> value or list (numbers, strings, {"b64": ...}) as a
// tf.Example's features: integers become int64_list, other numbers float_list, strings
// bytes_list.
absl::Status JsonToExample(const rapidjson::Value& object, tensorflow::Example* example);

std::string Base64Encode(std::string_view bytes);
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_JSON_TENSOR_H_
