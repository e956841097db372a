#include "ops/serving/grpc_service.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ops/serving/grpc_frontend.h"
#include "ops/serving/prediction.h"
#include "tensorflow_serving/apis/get_model_status.pb.h"
#include "tensorflow_serving/apis/model_management.pb.h"

namespace tfx_core::serving {
namespace {

namespace tfs = tensorflow::serving;

constexpr char kPredictionService[] = "/tensorflow.serving.PredictionService/";
constexpr char kModelService[] = "/tensorflow.serving.ModelService/";

// A malloc'd, NUL-terminated copy: the front end frees what crosses the C interface.
char* Malloced(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
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
    *error = Malloced(std::string(status.message()));
    return static_cast<int>(status.code());
  }
  *response = Malloced(out);
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

// The ModelSpec naming the servable: the request's, or (MultiInference) its first task's.
template <typename Request>
tfs::ModelSpec SpecOf(const Request& request) {
  return request.model_spec();
}
tfs::ModelSpec SpecOf(const tfs::MultiInferenceRequest& request) {
  tfs::ModelSpec spec;
  if (request.tasks_size() > 0) spec = request.tasks(0).model_spec();
  spec.clear_signature_name();
  return spec;
}

// Parses a Request, finds the version its spec names, runs `run` on it and serializes the
// Response into `response`.
template <typename Request, typename Response, typename Run>
absl::Status ServeOne(const ModelManager& manager, const std::string& bytes, Run run,
                      std::string* response, RequestInfo* info) {
  Request request;
  absl::Status status = Parse(bytes, &request);
  if (!status.ok()) return status;
  if constexpr (std::is_same_v<Request, tfs::MultiInferenceRequest>) {
    if (request.tasks_size() == 0) {
      return absl::InvalidArgumentError("MultiInferenceRequest has no tasks");
    }
  }
  const tfs::ModelSpec spec = SpecOf(request);
  info->model = spec.name();
  auto servable = manager.Find(spec);
  if (!servable.ok()) return servable.status();
  info->version = (*servable)->version;
  Response out;
  status = run(**servable, request, &out);
  if (status.ok()) *response = out.SerializeAsString();
  return status;
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
  absl::Status status = Dispatch(method, request, timeout_ms, response, info);
  if (observer_) {
    observer_(*info, status,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return status;
}

absl::Status GrpcService::Dispatch(const std::string& method, const std::string& request,
                                   int64_t timeout_ms, std::string* response, RequestInfo* info) {
  const ModelManager& manager = *manager_;
  Call call;
  call.timeout_ms = timeout_ms;
  call.frontend = "GRPC";
  auto serve = [&](const char* api, auto request_type, auto response_type, auto run) {
    info->api = api;
    return ServeOne<decltype(request_type), decltype(response_type)>(manager, request, run,
                                                                      response, info);
  };
  const std::string prediction = kPredictionService;
  if (method == prediction + "Predict") {
    return serve("predict", tfs::PredictRequest(), tfs::PredictResponse(),
                 [&](const Servable& s, const auto& r, auto* out) {
                   return Predict(s, r, &call, out);
                 });
  }
  if (method == prediction + "Classify") {
    return serve("classify", tfs::ClassificationRequest(), tfs::ClassificationResponse(),
                 [&](const Servable& s, const auto& r, auto* out) {
                   return Classify(s, r, &call, out);
                 });
  }
  if (method == prediction + "Regress") {
    return serve("regress", tfs::RegressionRequest(), tfs::RegressionResponse(),
                 [&](const Servable& s, const auto& r, auto* out) {
                   return Regress(s, r, &call, out);
                 });
  }
  if (method == prediction + "MultiInference") {
    return serve("multi_inference", tfs::MultiInferenceRequest(), tfs::MultiInferenceResponse(),
                 [&](const Servable& s, const auto& r, auto* out) {
                   return MultiInference(s, r, &call, out);
                 });
  }
  if (method == prediction + "GetModelMetadata") {
    return serve("metadata", tfs::GetModelMetadataRequest(), tfs::GetModelMetadataResponse(),
                 [&](const Servable& s, const auto& r, auto* out) {
                   return GetModelMetadata(s, r, out);
                 });
  }
  const std::string models = kModelService;
  if (method == models + "GetModelStatus") {
    info->api = "status";
    tfs::GetModelStatusRequest req;
    absl::Status status = Parse(request, &req);
    if (!status.ok()) return status;
    info->model = req.model_spec().name();
    tfs::GetModelStatusResponse out;
    status = manager_->GetStatus(req.model_spec(), &out);
    if (status.ok()) *response = out.SerializeAsString();
    return status;
  }
  if (method == models + "HandleReloadConfigRequest") {
    info->api = "reload_config";
    tfs::ReloadConfigRequest req;
    absl::Status status = Parse(request, &req);
    if (!status.ok()) return status;
    status = manager_->ApplyConfig(req.config());
    tfs::ReloadConfigResponse out;
    out.mutable_status()->set_error_code(static_cast<tensorflow::error::Code>(status.code()));
    out.mutable_status()->set_error_message(std::string(status.message()));
    if (status.ok()) *response = out.SerializeAsString();
    return status;
  }
  return absl::UnimplementedError("unknown method " + method);
}

}  // namespace tfx_core::serving
