// TF Serving's gRPC services (PredictionService, ModelService) on the isolated front end.
#ifndef OPS_SERVING_GRPC_SERVICE_H_
#define OPS_SERVING_GRPC_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "ops/serving/model_manager.h"
#include "ops/serving/rest_api.h"

namespace tfx_core::serving {

// Called after each handled call: for metrics and the access log.
using CallObserver = std::function<void(const RequestInfo& info, const absl::Status& status,
                                        double seconds)>;

class GrpcService {
 public:
  // Loads the front end from `frontend_library` and starts listening on `address`.
  static absl::StatusOr<std::unique_ptr<GrpcService>> Start(
      const std::string& frontend_library, const std::string& address, int num_threads,
      ModelManager* manager, CallObserver observer);
  ~GrpcService();  // Stops.

  int port() const { return port_; }

  // Handles one call: a full method name and its serialized request.
  absl::Status Handle(const std::string& method, const std::string& request, int64_t timeout_ms,
                      std::string* response, RequestInfo* info);

 private:
  GrpcService() = default;
  absl::Status Dispatch(const std::string& method, const std::string& request,
                        int64_t timeout_ms, std::string* response, RequestInfo* info);

  ModelManager* manager_ = nullptr;
  CallObserver observer_;
  void* library_ = nullptr;
  void* server_ = nullptr;
  void (*stop_)(void*) = nullptr;
  int port_ = 0;
};

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_GRPC_SERVICE_H_
