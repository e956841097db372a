// One loaded version of a model: a SavedModel bundle and what requests need to find in it.
#ifndef OPS_SERVING_SERVABLE_H_
#define OPS_SERVING_SERVABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensorflow/cc/saved_model/loader.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace tfx_core::serving {

class BatchScheduler;
class RequestLog;

using NamedTensors = std::vector<std::pair<std::string, tensorflow::Tensor>>;

struct Servable {
  std::string name;
  int64_t version = 0;
  std::string path;
  tensorflow::SavedModelBundle bundle;
  // Set when the server batches requests; runs then go through it.
  BatchScheduler* batching = nullptr;
  // Set once the version serves (warm-up is not logged): where a sampled fraction of its
  // requests goes.
  RequestLog* request_log = nullptr;
  double request_log_sampling_rate = 0;

  // The named signature, or NOT_FOUND listing the ones there are. "" means serving_default.
  absl::StatusOr<const tensorflow::SignatureDef*> Signature(const std::string& name) const;
};

// Loads the SavedModel at `path` with the "serve" tag.
absl::StatusOr<std::unique_ptr<Servable>> LoadServable(const std::string& name, int64_t version,
                                                        const std::string& path,
                                                        const tensorflow::SessionOptions& options);

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_SERVABLE_H_
