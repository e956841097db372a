// tfx_core_model_server: serves SavedModels over TF Serving's gRPC and REST APIs, in C++ with
// no Python on the request path. Flags follow TF Serving's model server.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/text_format.h"
#include "ops/serving/batching.h"
#include "ops/serving/grpc_service.h"
#include "ops/serving/model_manager.h"
#include "ops/serving/prediction.h"
#include "ops/serving/request_log.h"
#include "ops/serving/rest_api.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tensorflow/c/c_api.h"
#include "tensorflow/core/platform/logging.h"
#include "tensorflow_serving/config/tf_serving_config.pb.h"
#include "tfx_core/serving/flags.h"
#include "tfx_core/serving/http_server.h"
#include "tfx_core/serving/metrics.h"

namespace tfx_core::serving {
namespace {

namespace tfs = tensorflow::serving;

constexpr char kProgram[] = "tfx_core_model_server";
constexpr char kDefaultPrometheusPath[] = "/monitoring/prometheus/metrics";
constexpr char kOpLibrary[] = "_tfx_core_ops.so";
constexpr char kGrpcFrontend[] = "libtfx_core_grpc_frontend.so";
constexpr char kParquetWriter[] = "libtfx_core_parquet_writer.so";

struct Options {
  int32_t port = 8500;
  int32_t rest_api_port = 0;
  int32_t rest_api_num_threads = 4 * static_cast<int32_t>(std::thread::hardware_concurrency());
  int32_t rest_api_timeout_in_ms = 30000;
  int64_t max_request_bytes = 64 << 20;
  int32_t grpc_max_threads = 4 * static_cast<int32_t>(std::thread::hardware_concurrency());
  std::string model_name = "default";
  std::string model_base_path;
  std::string model_config_file;
  int32_t model_config_file_poll_wait_seconds = 0;
  int32_t file_system_poll_wait_seconds = 1;
  bool enable_batching = false;
  std::string batching_parameters_file;
  std::string monitoring_config_file;
  int32_t tensorflow_intra_op_parallelism = 0;
  int32_t tensorflow_inter_op_parallelism = -1;
  std::string tfx_core_op_library;
  std::string access_log_file;
  int32_t max_num_load_retries = 5;
  int64_t load_retry_interval_micros = 60'000'000;
  std::string request_log_dir;
  float request_log_sampling_rate = 1.0f;
  RequestLogOptions request_log;
};

std::vector<Flag> MakeFlags(Options* o) {
  return {
      {"port", &o->port, "Port for the gRPC API (TF Serving's PredictionService and ModelService)."},
      {"rest_api_port", &o->rest_api_port,
       "Port for the HTTP/REST API; 0 disables it. Must differ from --port."},
      {"rest_api_num_threads", &o->rest_api_num_threads, "Threads serving HTTP/REST requests."},
      {"rest_api_timeout_in_ms", &o->rest_api_timeout_in_ms,
       "Deadline of an HTTP/REST request (reading, running, writing), in milliseconds."},
      {"max_request_bytes", &o->max_request_bytes,
       "Largest HTTP request body accepted; bigger ones get HTTP 413."},
      {"grpc_max_threads", &o->grpc_max_threads, "Threads serving gRPC calls."},
      {"model_name", &o->model_name, "Name of the model served with --model_base_path."},
      {"model_base_path", &o->model_base_path,
       "Directory of numbered SavedModel versions (what the Pusher writes)."},
      {"model_config_file", &o->model_config_file,
       "A ModelServerConfig in text format (model_config_list); overrides --model_name and "
       "--model_base_path."},
      {"model_config_file_poll_wait_seconds", &o->model_config_file_poll_wait_seconds,
       "How often to re-read --model_config_file; 0 reads it once."},
      {"file_system_poll_wait_seconds", &o->file_system_poll_wait_seconds,
       "How often to look for new model versions; 0 looks once."},
      {"enable_batching", &o->enable_batching, "Batch requests per model (see --batching_parameters_file)."},
      {"batching_parameters_file", &o->batching_parameters_file,
       "BatchingParameters in text format; implies --enable_batching."},
      {"monitoring_config_file", &o->monitoring_config_file,
       "A MonitoringConfig in text format; prometheus_config { enable: true } exports metrics "
       "on the REST port at prometheus_config.path (default /monitoring/prometheus/metrics)."},
      {"tensorflow_intra_op_parallelism", &o->tensorflow_intra_op_parallelism,
       "Threads within one op; 0 lets TensorFlow choose."},
      {"tensorflow_inter_op_parallelism", &o->tensorflow_inter_op_parallelism,
       "Threads running independent ops; -1 runs them on the request's own thread."},
      {"tfx_core_op_library", &o->tfx_core_op_library,
       "tfx_core's TensorFlow op library, loaded before any model (default: found next to the "
       "server)."},
      {"max_num_load_retries", &o->max_num_load_retries,
       "How often a version that failed to load is retried (it may have been incomplete)."},
      {"load_retry_interval_micros", &o->load_retry_interval_micros,
       "Time between load retries of a version, in microseconds."},
      {"access_log_file", &o->access_log_file,
       "Where to write one JSON line per request ('-' for stderr); empty: no access log."},
      {"request_log_dir", &o->request_log_dir,
       "Log sampled requests with their responses as Parquet files under this directory, for "
       "monitoring (one subdirectory per model); empty: no request log."},
      {"request_log_sampling_rate", &o->request_log_sampling_rate,
       "Fraction of requests logged, for models whose config has no logging_config "
       "(whose sampling_config.sampling_rate applies)."},
      {"request_log_max_file_bytes", &o->request_log.max_file_bytes,
       "A request log file is closed (and becomes readable) once it is this big..."},
      {"request_log_max_file_seconds", &o->request_log.max_file_seconds,
       "...or this many seconds after its first request."},
      {"request_log_max_queue_bytes", &o->request_log.max_queue_bytes,
       "Memory for requests waiting to be logged; beyond it they are dropped (and counted)."},
  };
}

std::string ExecutableDir() {
  std::error_code error;
  return std::filesystem::read_symlink("/proc/self/exe", error).parent_path().string();
}

// The first of `candidates` (relative to the executable's directory) that exists.
std::string FindNextToExecutable(const std::vector<std::string>& candidates) {
  const std::string dir = ExecutableDir();
  for (const std::string& candidate : candidates) {
    const std::string path = dir + "/" + candidate;
    if (std::filesystem::exists(path)) return std::filesystem::canonical(path).string();
  }
  return "";
}

absl::Status ReadText(const std::string& path, const std::string& what,
                      google::protobuf::Message* message) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + what + " " + path);
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), message)) {
    return absl::InvalidArgumentError(what + " " + path + " is not a valid " + std::string(
                                      message->GetTypeName()) + " in text format (see the "
                                      "errors above)");
  }
  return absl::OkStatus();
}

absl::StatusOr<tfs::ModelServerConfig> ModelConfig(const Options& o) {
  tfs::ModelServerConfig config;
  if (!o.model_config_file.empty()) {
    absl::Status status = ReadText(o.model_config_file, "--model_config_file", &config);
    if (!status.ok()) return status;
    return config;
  }
  if (o.model_base_path.empty()) {
    return absl::InvalidArgumentError(
        "Both --model_base_path and --model_config_file are empty: give one (see --help)");
  }
  auto* model = config.mutable_model_config_list()->add_config();
  model->set_name(o.model_name);
  std::error_code error;
  model->set_base_path(std::filesystem::absolute(o.model_base_path, error).string());
  model->set_model_platform("tensorflow");
  return config;
}

// One JSON line per request, written under a lock (line-buffered). Names come from request
// paths, so they are JSON-escaped.
class AccessLog {
 public:
  // "" disables the log, "-" is stderr; a file that cannot be opened is an error.
  absl::Status Open(const std::string& path) {
    if (path == "-") {
      file_ = stderr;
    } else if (!path.empty()) {
      file_ = std::fopen(path.c_str(), "a");
      if (file_ == nullptr) {
        return absl::FailedPreconditionError("--access_log_file: cannot open " + path + ": " +
                                             std::strerror(errno));
      }
      setvbuf(file_, nullptr, _IOLBF, 1 << 16);
    }
    return absl::OkStatus();
  }
  bool enabled() const { return file_ != nullptr; }
  void Write(const std::string& entrypoint, const std::string& peer, const RequestInfo& info,
             const std::string& status, double seconds) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        now.time_since_epoch()).count() % 1000;
    std::tm tm;
    gmtime_r(&t, &tm);
    char when[40];
    const size_t n = std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(when + n, sizeof(when) - n, ".%03ldZ", ms);
    rapidjson::StringBuffer line;
    rapidjson::Writer<rapidjson::StringBuffer> w(line);
    auto field = [&w](const char* key, const std::string& value) {
      w.Key(key);
      w.String(value.data(), value.size());
    };
    w.StartObject();
    field("time", when);
    field("entrypoint", entrypoint);
    field("peer", peer);
    field("model", info.model);
    field("api", info.api);
    field("status", status);
    w.Key("version");
    w.Int64(info.version);
    w.Key("latency_us");
    w.Int64(static_cast<int64_t>(seconds * 1e6));
    w.EndObject();
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(file_, "%s\n", line.GetString());
  }

 private:
  std::FILE* file_ = nullptr;
  std::mutex mu_;
};

const char* StateName(tfs::ModelVersionStatus::State state) {
  switch (state) {
    case tfs::ModelVersionStatus::START: return "START";
    case tfs::ModelVersionStatus::LOADING: return "LOADING";
    case tfs::ModelVersionStatus::AVAILABLE: return "AVAILABLE";
    case tfs::ModelVersionStatus::UNLOADING: return "UNLOADING";
    case tfs::ModelVersionStatus::END: return "END";
    default: return "UNKNOWN";
  }
}

int Run(int argc, char** argv) {
  // TensorFlow's INFO lines (one per op library and SavedModel load) are noise for a server's
  // operator; TF_CPP_MIN_LOG_LEVEL=0 brings them back.
  setenv("TF_CPP_MIN_LOG_LEVEL", "1", /*overwrite=*/0);
  Options o;
  const std::vector<Flag> flags = MakeFlags(&o);
  bool help = false;
  Status parsed = ParseFlags(argc, argv, flags, &help);
  if (help) {
    std::cout << FlagUsage(kProgram, "Serves TensorFlow SavedModels over TF Serving's gRPC and "
                                     "REST APIs.", flags);
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << kProgram << ": " << parsed.message() << "\n";
    return 2;
  }
  auto fail = [](const absl::Status& status) {
    std::cerr << kProgram << ": " << status.message() << "\n";
    return 1;
  };
  if (o.port == o.rest_api_port && o.port != 0) {
    return fail(absl::InvalidArgumentError("--port and --rest_api_port must differ"));
  }
  std::optional<BatchingOptions> batching;
  if (o.enable_batching || !o.batching_parameters_file.empty()) {
    tfs::BatchingParameters parameters;
    if (!o.batching_parameters_file.empty()) {
      absl::Status status = ReadText(o.batching_parameters_file, "--batching_parameters_file",
                                     &parameters);
      if (!status.ok()) return fail(status);
    }
    auto options = BatchingOptionsFrom(parameters);
    if (!options.ok()) return fail(options.status());
    batching = *options;
  }
  auto config = ModelConfig(o);
  if (!config.ok()) return fail(config.status());
  absl::Status valid = ValidateConfig(*config);
  if (!valid.ok()) return fail(valid);
  tfs::MonitoringConfig monitoring;
  if (!o.monitoring_config_file.empty()) {
    absl::Status status = ReadText(o.monitoring_config_file, "--monitoring_config_file",
                                   &monitoring);
    if (!status.ok()) return fail(status);
  }
  const bool prometheus = monitoring.prometheus_config().enable();
  const std::string prometheus_path = monitoring.prometheus_config().path().empty()
                                          ? kDefaultPrometheusPath
                                          : monitoring.prometheus_config().path();
  if (prometheus && o.rest_api_port == 0) {
    return fail(absl::InvalidArgumentError(
        "--monitoring_config_file enables Prometheus metrics, which are served on the REST "
        "port: set --rest_api_port"));
  }

  // Custom ops first: a model using them loads without them but fails at its first run.
  std::string op_library = o.tfx_core_op_library;
  if (op_library.empty()) {
    op_library = FindNextToExecutable({kOpLibrary, std::string("../tf/") + kOpLibrary,
                                       std::string("../../ops/") + kOpLibrary});
  }
  if (!op_library.empty()) {
    TF_Status* status = TF_NewStatus();
    TF_LoadLibrary(op_library.c_str(), status);
    if (TF_GetCode(status) != TF_OK) {
      const std::string message = TF_Message(status);
      TF_DeleteStatus(status);
      return fail(absl::FailedPreconditionError("cannot load tfx_core's op library " + op_library +
                                                ": " + message));
    }
    TF_DeleteStatus(status);
  } else if (!o.tfx_core_op_library.empty()) {
    return fail(absl::NotFoundError("--tfx_core_op_library not found: " + o.tfx_core_op_library));
  }

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ServerMetrics metrics;
  AccessLog access_log;
  absl::Status opened = access_log.Open(o.access_log_file);
  if (!opened.ok()) return fail(opened);
  std::unique_ptr<BatchScheduler> scheduler;
  if (batching) {
    scheduler = std::make_unique<BatchScheduler>(
        *batching,
        [&](const std::string& model, int64_t size) { metrics.RecordBatch(model, size); },
        [&](const std::string& model, int64_t rows) { metrics.SetQueueDepth(model, rows); });
  }
  std::unique_ptr<RequestLog> request_log;
  if (!o.request_log_dir.empty()) {
    if (!(o.request_log_sampling_rate >= 0 && o.request_log_sampling_rate <= 1)) {
      return fail(absl::InvalidArgumentError("--request_log_sampling_rate must be in [0, 1], got " +
                                             std::to_string(o.request_log_sampling_rate)));
    }
    const std::string writer = FindNextToExecutable({kParquetWriter});
    if (writer.empty()) {
      return fail(absl::NotFoundError(std::string(kParquetWriter) + " is missing next to " +
                                      ExecutableDir() + "; reinstall tfx_core"));
    }
    o.request_log.directory = o.request_log_dir;
    auto started = RequestLog::Start(
        o.request_log, writer,
        [&](const std::string& model, const std::string& status, int64_t requests) {
          metrics.RecordRequestLog(model, status, requests);
        });
    if (!started.ok()) return fail(started.status());
    request_log = *std::move(started);
  }
  ModelManagerOptions manager_options;
  manager_options.batching = scheduler.get();
  manager_options.request_log = request_log.get();
  manager_options.request_log_sampling_rate = o.request_log_sampling_rate;
  auto* session_config = &manager_options.session_options.config;
  session_config->set_intra_op_parallelism_threads(o.tensorflow_intra_op_parallelism);
  session_config->set_inter_op_parallelism_threads(o.tensorflow_inter_op_parallelism);
  manager_options.warm_up = &WarmUp;
  manager_options.max_load_retries = o.max_num_load_retries;
  manager_options.load_retry_interval_micros = o.load_retry_interval_micros;
  ModelManager manager(std::move(manager_options));
  absl::Status applied = manager.ApplyConfig(*config);
  if (!applied.ok()) return fail(applied);
  manager.StartPolling(o.file_system_poll_wait_seconds);

  auto observe = [&](const std::string& entrypoint, const std::string& peer,
                     const RequestInfo& info, const std::string& status, double seconds) {
    if (!info.model.empty()) {
      metrics.RecordRequest(info.model, info.version, info.api, entrypoint, status, seconds);
    }
    if (access_log.enabled()) access_log.Write(entrypoint, peer, info, status, seconds);
  };

  std::unique_ptr<GrpcService> grpc;
  if (o.port != 0) {
    const std::string frontend = FindNextToExecutable({kGrpcFrontend});
    if (frontend.empty()) {
      return fail(absl::NotFoundError(std::string(kGrpcFrontend) + " is missing next to " +
                                      ExecutableDir() + "; reinstall, or pass --port=0 to serve "
                                      "REST only"));
    }
    auto started = GrpcService::Start(
        frontend, "0.0.0.0:" + std::to_string(o.port), o.grpc_max_threads, &manager,
        [&](const RequestInfo& info, const absl::Status& status, double seconds) {
          observe("GRPC", "", info, std::string(absl::StatusCodeToString(status.code())),
                  seconds);
        });
    if (!started.ok()) return fail(started.status());
    grpc = *std::move(started);
  }

  RestApi rest(&manager, o.rest_api_timeout_in_ms);
  std::unique_ptr<HttpServer> http;
  if (o.rest_api_port != 0) {
    HttpServerOptions http_options;
    http_options.port = o.rest_api_port;
    http_options.num_threads = std::max(1, o.rest_api_num_threads);
    http_options.max_body_bytes = static_cast<size_t>(o.max_request_bytes);
    http_options.timeout_ms = o.rest_api_timeout_in_ms;
    auto started = HttpServer::Start(http_options, [&](const HttpRequest& request,
                                                       HttpResponse* response) {
      if (prometheus && request.method == "GET" && request.path == prometheus_path) {
        std::vector<VersionStateMetric> states;
        for (const auto& v : manager.States()) {
          states.push_back({v.model, v.version, StateName(v.state)});
        }
        response->body = metrics.Render(states);
        response->content_type = "text/plain; version=0.0.4";
        return;
      }
      const auto started_at = std::chrono::steady_clock::now();
      RequestInfo info;
      rest.Handle(request, response, &info);
      observe("REST", request.peer, info, std::to_string(response->status),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at)
                  .count());
    });
    if (!started.ok()) return fail(absl::UnavailableError(started.status().message()));
    http = std::move(started).value();
  }

  // Re-reads the model config file and applies it when it changed.
  std::atomic<bool> stopping{false};
  std::thread config_poller;
  if (!o.model_config_file.empty() && o.model_config_file_poll_wait_seconds > 0) {
    config_poller = std::thread([&] {
      std::string last = config->SerializeAsString();
      auto next = std::chrono::steady_clock::now();
      while (!stopping) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (std::chrono::steady_clock::now() < next) continue;
        next = std::chrono::steady_clock::now() +
               std::chrono::seconds(o.model_config_file_poll_wait_seconds);
        auto fresh = ModelConfig(o);
        if (!fresh.ok()) {
          LOG(ERROR) << "--model_config_file: " << fresh.status() << " (keeping the old config)";
          continue;
        }
        if (fresh->SerializeAsString() == last) continue;
        absl::Status status = manager.ApplyConfig(*fresh);
        if (status.ok()) {
          last = fresh->SerializeAsString();
        } else {
          LOG(ERROR) << "--model_config_file: " << status << " (keeping the old config)";
        }
      }
    });
  }

  // The line tfx_core.serving waits for: the ports actually bound.
  std::cerr << kProgram << ": ready: grpc_port=" << (grpc ? grpc->port() : 0)
            << " rest_api_port=" << (http ? http->port() : 0) << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << kProgram << ": stopping on signal " << signal_number << std::endl;
  stopping = true;
  if (config_poller.joinable()) config_poller.join();
  http.reset();
  grpc.reset();
  return 0;
}

}  // namespace
}  // namespace tfx_core::serving

int main(int argc, char** argv) { return tfx_core::serving::Run(argc, argv); }
