// The models a server serves, and the lifecycle of their versions.
//
// Each model's base path holds numbered version directories (what the Pusher writes). A poll
// lists them, loads and warms up the versions the model's version policy wants, and only then
// makes them visible; versions no longer wanted are unlisted at once but unloaded only when the
// last request holding them finishes (requests hold a shared_ptr), so a swap never fails or
// drops a request. A version that fails to load or warm up keeps its error in the status
// (and is retried a few times); the policy then picks among the other versions, so the
// previous one keeps serving.
#ifndef OPS_SERVING_MODEL_MANAGER_H_
#define OPS_SERVING_MODEL_MANAGER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ops/serving/servable.h"
#include "tensorflow_serving/apis/get_model_status.pb.h"
#include "tensorflow_serving/apis/model.pb.h"
#include "tensorflow_serving/config/model_server_config.pb.h"

namespace tfx_core::serving {

struct ModelManagerOptions {
  tensorflow::SessionOptions session_options;
  // Runs on a freshly loaded version before it serves; an error keeps the version out.
  std::function<absl::Status(const Servable&)> warm_up;
  // When set, every loaded version batches its requests through it.
  BatchScheduler* batching = nullptr;
  // When set, a sampled fraction of every version's requests is logged there: the model
  // config's logging_config.sampling_config.sampling_rate, else request_log_sampling_rate.
  RequestLog* request_log = nullptr;
  double request_log_sampling_rate = 0;
  // A version that fails to load is retried this many times (TF Serving's
  // --max_num_load_retries), at least this long apart (--load_retry_interval_micros): a
  // version directory copied in place may be incomplete at the first attempt.
  int max_load_retries = 5;
  int64_t load_retry_interval_micros = 60'000'000;
};

class ModelManager {
 public:
  explicit ModelManager(ModelManagerOptions options);
  ~ModelManager();  // Stops polling.

  // Checks and installs a new set of models (TF Serving's model_config_list), then polls once,
  // so every wanted version has been loaded, or has failed, when this returns. Models no
  // longer configured are unloaded.
  absl::Status ApplyConfig(const tensorflow::serving::ModelServerConfig& config);
  // Re-lists every model's base path and loads or unloads versions accordingly.
  void Poll();
  // Polls every `seconds` seconds on a thread of its own (0: never).
  void StartPolling(int seconds);

  // The version a request names (version, label or, when neither, the newest available one).
  absl::StatusOr<std::shared_ptr<const Servable>> Find(
      const tensorflow::serving::ModelSpec& spec) const;
  // The status of one version, or of every known version of the model.
  absl::Status GetStatus(const tensorflow::serving::ModelSpec& spec,
                         tensorflow::serving::GetModelStatusResponse* response) const;
  // (model, version, state) for every known version: for metrics.
  struct VersionState {
    std::string model;
    int64_t version;
    tensorflow::serving::ModelVersionStatus::State state;
  };
  std::vector<VersionState> States() const;

 private:
  struct Version {
    tensorflow::serving::ModelVersionStatus::State state =
        tensorflow::serving::ModelVersionStatus::START;
    absl::Status status;
    std::shared_ptr<const Servable> servable;  // Set while AVAILABLE.
    int failures = 0;
    std::chrono::steady_clock::time_point failed_at;
  };
  struct Model {
    tensorflow::serving::ModelConfig config;
    std::map<int64_t, Version> versions;
  };

  void PollModel(const tensorflow::serving::ModelConfig& config);
  void SetUnavailable(const std::string& model, int64_t version, Version* entry);
  void ReleaseRetired();  // Unloads retired versions no request holds any more.

  const ModelManagerOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Model> models_;
  // Versions taken out of service whose requests may still be running.
  struct Retired {
    std::string model;
    int64_t version;
    std::shared_ptr<const Servable> servable;
  };
  std::vector<Retired> retired_;
  std::mutex poll_mu_;  // One poll at a time.

  std::thread poller_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

// Checks a ModelServerConfig the way TF Serving does: a model_config_list whose models have
// unique names, absolute base paths, the "tensorflow" platform and labels that name versions
// the policy allows.
absl::Status ValidateConfig(const tensorflow::serving::ModelServerConfig& config);

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_MODEL_MANAGER_H_
