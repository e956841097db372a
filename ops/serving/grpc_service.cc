#include "ops/serving/grpc_service.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "ops/serving/grpc_frontend.h"
#include "ops/serving/prediction.h"
#include "tensorflow_serving/apis/get_model_status.pb.h"
#include "tensorflow_serving/apis/model_management.pb.h"

namespace tfx_core::serving {
namespace {

namespace tfs = tensorflow::serving;

constexpr char kPredictionService[] = "/tensorflow.serving.PredictionService/";
constexpr char kModelService[] = "/tensorflow.serving.ModelService/";

char* Malloced(const std::string& s, bool terminate) {
  char* out = static_cast<char*>(std::malloc(s.size() + (terminate ? 1 : 0) + 1));
  std::memcpy(out, s.data(), s.size());
  if (terminate) out[s.size()] = '\0';
  return out;
}

int HandleCall(void* context, const char* method, const char* request, size_t request_size,
               int64_t timeout_ms, char** response, size_t* response_size, char** error) {
  auto* service = static_cast<GrpcService*>(context);
  std::string out;
  RequestInfo info;
  absl::Status status =
      service->Handle(method, std::string(request, request_size), timeout_ms, &out, &info);
  if (!status.ok()) {
    *error = Malloced(std::string(status.message()), /*terminate=*/true);
    return static_cast<int>(status.code());
  }
  *response = Malloced(out, /*terminate=*/false);
  *response_size = out.size();
  return 0;
}

template <typename Request>
absl::Status Parse(const std::string& bytes, Request* request) {
  if (!request->ParseFromString(bytes)) {
    return absl::InvalidArgumentError("cannot parse the request as " +
                                      std::string(request->GetTypeName()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcService>> GrpcService::Start(
    const std::string& frontend_library, const std::string& address, int num_threads,
    ModelManager* manager, CallObserver observer) {
  std::unique_ptr<GrpcService> service(new GrpcService());
  service->manager_ = manager;
  service->observer_ = std::move(observer);
  // DEEPBIND: the front end's gRPC binds to its own (Debian) protobuf, not TensorFlow's.
  service->library_ = dlopen(frontend_library.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (service->library_ == nullptr) {
    return absl::FailedPreconditionError("cannot load the gRPC front end " + frontend_library +
                                         ": " + dlerror() +
                                         " (Debian's libgrpc++1.51 must be installed)");
  }
  auto start = reinterpret_cast<tfxc_grpc_start_fn>(dlsym(service->library_, TFXC_GRPC_START));
  service->stop_ = reinterpret_cast<tfxc_grpc_stop_fn>(dlsym(service->library_, TFXC_GRPC_STOP));
  if (start == nullptr || service->stop_ == nullptr) {
    return absl::FailedPreconditionError(frontend_library + " is not tfx_core's gRPC front end");
  }
  char* error = nullptr;
  service->server_ = start(address.c_str(), num_threads, std::numeric_limits<int>::max(),
                           &HandleCall, service.get(), &service->port_, &error);
  if (service->server_ == nullptr) {
    std::string message = error ? error : "gRPC front end failed to start";
    std::free(error);
    return absl::UnavailableError(message);
  }
  return service;
}

GrpcService::~GrpcService() {
  if (server_ != nullptr) stop_(server_);
  // The library stays loaded: gRPC keeps process-wide state that outlives its servers.
}

absl::Status GrpcService::Handle(const std::string& method, const std::string& request,
                                 int64_t timeout_ms, std::string* response, RequestInfo* info) {
  const auto started = std::chrono::steady_clock::now();
  absl::Status status;
  auto finish = [&](absl::Status s) {
    if (observer_) {
      observer_(*info, s,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    return s;
  };
  auto respond = [&](const google::protobuf::Message& message) {
    *response = message.SerializeAsString();
    return finish(absl::OkStatus());
  };
  // Resolves the servable a request's model_spec names.
  auto find = [&](const tfs::ModelSpec& spec) {
    info->model = spec.name();
    auto servable = manager_->Find(spec);
    if (servable.ok()) info->version = (*servable)->version;
    return servable;
  };

  if (method.rfind(kPredictionService, 0) == 0) {
    const std::string name = method.substr(sizeof(kPredictionService) - 1);
    if (name == "Predict") {
      info->api = "predict";
      tfs::PredictRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      auto servable = find(req.model_spec());
      if (!servable.ok()) return finish(servable.status());
      tfs::PredictResponse out;
      if (!(status = Predict(**servable, req, timeout_ms, &out)).ok()) return finish(status);
      return respond(out);
    }
    if (name == "Classify") {
      info->api = "classify";
      tfs::ClassificationRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      auto servable = find(req.model_spec());
      if (!servable.ok()) return finish(servable.status());
      tfs::ClassificationResponse out;
      if (!(status = Classify(**servable, req, timeout_ms, &out)).ok()) return finish(status);
      return respond(out);
    }
    if (name == "Regress") {
      info->api = "regress";
      tfs::RegressionRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      auto servable = find(req.model_spec());
      if (!servable.ok()) return finish(servable.status());
      tfs::RegressionResponse out;
      if (!(status = Regress(**servable, req, timeout_ms, &out)).ok()) return finish(status);
      return respond(out);
    }
    if (name == "MultiInference") {
      info->api = "multi_inference";
      tfs::MultiInferenceRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      if (req.tasks_size() == 0) {
        return finish(absl::InvalidArgumentError("MultiInferenceRequest has no tasks"));
      }
      tfs::ModelSpec spec = req.tasks(0).model_spec();
      spec.clear_signature_name();
      auto servable = find(spec);
      if (!servable.ok()) return finish(servable.status());
      tfs::MultiInferenceResponse out;
      if (!(status = MultiInference(**servable, req, timeout_ms, &out)).ok()) {
        return finish(status);
      }
      return respond(out);
    }
    if (name == "GetModelMetadata") {
      info->api = "metadata";
      tfs::GetModelMetadataRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      auto servable = find(req.model_spec());
      if (!servable.ok()) return finish(servable.status());
      tfs::GetModelMetadataResponse out;
      if (!(status = GetModelMetadata(**servable, req, &out)).ok()) return finish(status);
      return respond(out);
    }
  } else if (method.rfind(kModelService, 0) == 0) {
    const std::string name = method.substr(sizeof(kModelService) - 1);
    if (name == "GetModelStatus") {
      info->api = "status";
      tfs::GetModelStatusRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      info->model = req.model_spec().name();
      tfs::GetModelStatusResponse out;
      if (!(status = manager_->GetStatus(req.model_spec(), &out)).ok()) return finish(status);
      return respond(out);
    }
    if (name == "HandleReloadConfigRequest") {
      info->api = "reload_config";
      tfs::ReloadConfigRequest req;
      if (!(status = Parse(request, &req)).ok()) return finish(status);
      status = manager_->ApplyConfig(req.config());
      tfs::ReloadConfigResponse out;
      out.mutable_status()->set_error_code(static_cast<tensorflow::error::Code>(status.code()));
      out.mutable_status()->set_error_message(std::string(status.message()));
      if (!status.ok()) return finish(status);
      return respond(out);
    }
  }
  return finish(absl::UnimplementedError("unknown method " + method));
}

}  // namespace tfx_core::serving
