// TF Serving's inference APIs over a loaded version: Predict, Classify, Regress,
// MultiInference and GetModelMetadata, with TF Serving's semantics and error messages. The gRPC
// front end calls these with parsed messages; the REST API builds the same messages (or, for
// predict, tensors) from JSON.
#ifndef OPS_SERVING_PREDICTION_H_
#define OPS_SERVING_PREDICTION_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ops/serving/servable.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow_serving/apis/classification.pb.h"
#include "tensorflow_serving/apis/get_model_metadata.pb.h"
#include "tensorflow_serving/apis/inference.pb.h"
#include "tensorflow_serving/apis/predict.pb.h"
#include "tensorflow_serving/apis/regression.pb.h"

namespace tfx_core::serving {

// What a front end knows about a call besides its request message.
struct Call {
  int64_t timeout_ms = 0;     // <= 0: no deadline.
  const char* frontend = "";  // "REST" or "GRPC", as in the metrics and the access log.
  // In: the client's id for the request, if any. Out: the id the request log recorded it
  // under (made up when the client gave none).
  std::string request_id;
};

// Runs the signature named `signature_name` ("" is serving_default) on tensors named by its
// input aliases (every input, no other) and returns its outputs by alias: all of them, or those
// in `output_filter`. Goes through the servable's batch scheduler when it has one, and logs a
// sampled fraction of successful runs to its request log.
absl::Status RunSignature(const Servable& servable, const std::string& signature_name,
                          const tensorflow::SignatureDef& signature, const NamedTensors& inputs,
                          const std::vector<std::string>& output_filter, Call* call,
                          NamedTensors* outputs);
// The same, always as one Session::Run (what the batch scheduler calls).
absl::Status RunSignatureUnbatched(const Servable& servable,
                                   const tensorflow::SignatureDef& signature,
                                   const NamedTensors& inputs,
                                   const std::vector<std::string>& output_filter,
                                   int64_t timeout_ms, NamedTensors* outputs);

// The ModelSpec a response carries: the model, the version that answered, the signature.
void FillModelSpec(const Servable& servable, const std::string& signature_name,
                   tensorflow::serving::ModelSpec* spec);

absl::Status Predict(const Servable& servable, const tensorflow::serving::PredictRequest& request,
                     Call* call, tensorflow::serving::PredictResponse* response);
absl::Status Classify(const Servable& servable,
                      const tensorflow::serving::ClassificationRequest& request, Call* call,
                      tensorflow::serving::ClassificationResponse* response);
absl::Status Regress(const Servable& servable, const tensorflow::serving::RegressionRequest& request,
                     Call* call, tensorflow::serving::RegressionResponse* response);
// Every task must name the same model as the servable; each runs its own signature.
absl::Status MultiInference(const Servable& servable,
                            const tensorflow::serving::MultiInferenceRequest& request, Call* call,
                            tensorflow::serving::MultiInferenceResponse* response);
absl::Status GetModelMetadata(const Servable& servable,
                              const tensorflow::serving::GetModelMetadataRequest& request,
                              tensorflow::serving::GetModelMetadataResponse* response);

// Runs a new version before it serves: replays assets.extra/tf_serving_warmup_requests when
// the SavedModel has one (TF Serving's warm-up file), and otherwise runs every signature on an
// empty batch, so missing ops or kernels fail the load instead of the first request.
absl::Status WarmUp(const Servable& servable);

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_PREDICTION_H_
