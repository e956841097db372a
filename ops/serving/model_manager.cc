#include "ops/serving/model_manager.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include <iostream>

namespace tfx_core::serving {
namespace {

using tensorflow::serving::FileSystemStoragePathSourceConfig;
using tensorflow::serving::ModelConfig;
using tensorflow::serving::ModelVersionStatus;

// Lifecycle events, always shown (TensorFlow's own INFO logs are off by default).
void Log(const std::string& message) {
  std::cerr << "tfx_core_model_server: " + message + "\n" << std::flush;
}

bool IsVersionName(const std::string& name) {
  return !name.empty() && name.size() < 19 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Version directories under base_path, ascending. Staging directories (the Pusher's
// ".tmp-..." names) and files are not versions.
std::vector<int64_t> ListVersions(const std::string& base_path) {
  std::vector<int64_t> versions;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(base_path, error)) {
    const std::string name = entry.path().filename().string();
    if (IsVersionName(name) && entry.is_directory(error)) versions.push_back(std::stoll(name));
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

// The versions the model's policy serves, out of `candidates` (ascending).
std::vector<int64_t> Wanted(const ModelConfig& config, const std::vector<int64_t>& candidates) {
  const auto& policy = config.model_version_policy();
  switch (policy.policy_choice_case()) {
    case FileSystemStoragePathSourceConfig::ServableVersionPolicy::kAll:
      return candidates;
    case FileSystemStoragePathSourceConfig::ServableVersionPolicy::kSpecific: {
      const auto& specific = policy.specific().versions();
      std::vector<int64_t> out;
      for (int64_t v : candidates) {
        if (std::find(specific.begin(), specific.end(), v) != specific.end()) out.push_back(v);
      }
      return out;
    }
    default: {  // latest { num_versions } (TF Serving's default: the latest one).
      const size_t n = std::max<int64_t>(1, policy.latest().num_versions());
      return std::vector<int64_t>(
          candidates.end() - std::min(n, candidates.size()), candidates.end());
    }
  }
}

std::string SpecString(const tensorflow::serving::ModelSpec& spec) {
  if (spec.has_version()) {
    return "Specific(" + spec.name() + ", " + std::to_string(spec.version().value()) + ")";
  }
  if (!spec.version_label().empty()) {
    return "Labelled(" + spec.name() + ", " + spec.version_label() + ")";
  }
  return "Latest(" + spec.name() + ")";
}

// The version a spec names by number or label; -1 when it names neither (the latest).
absl::StatusOr<int64_t> RequestedVersion(const ModelConfig& config,
                                         const tensorflow::serving::ModelSpec& spec) {
  if (!spec.version_label().empty()) {
    auto label = config.version_labels().find(spec.version_label());
    if (label == config.version_labels().end()) {
      return absl::InvalidArgumentError("Unrecognized servable version label: " +
                                        spec.version_label());
    }
    return label->second;
  }
  return spec.has_version() ? spec.version().value() : -1;
}

}  // namespace

absl::Status ValidateConfig(const tensorflow::serving::ModelServerConfig& config) {
  if (config.config_case() != tensorflow::serving::ModelServerConfig::kModelConfigList) {
    return absl::UnimplementedError(
        "model config: only model_config_list is supported (custom_model_config is not)");
  }
  std::set<std::string> names;
  for (const ModelConfig& model : config.model_config_list().config()) {
    if (model.name().empty()) {
      return absl::InvalidArgumentError("model config: a model has no name");
    }
    if (!names.insert(model.name()).second) {
      return absl::InvalidArgumentError("model config: model name '" + model.name() +
                                        "' appears more than once");
    }
    if (model.base_path().empty() || model.base_path()[0] != '/') {
      return absl::InvalidArgumentError("model config: model '" + model.name() +
                                        "' needs an absolute base_path, got '" +
                                        model.base_path() + "'");
    }
    if (!model.model_platform().empty() && model.model_platform() != "tensorflow") {
      return absl::InvalidArgumentError("model config: model '" + model.name() +
                                        "' has model_platform '" + model.model_platform() +
                                        "'; only 'tensorflow' is served");
    }
    const auto& policy = model.model_version_policy();
    if (policy.has_latest() && policy.latest().num_versions() < 0) {
      return absl::InvalidArgumentError("model config: model '" + model.name() +
                                        "': latest.num_versions must be >= 1");
    }
    for (const auto& [label, version] : model.version_labels()) {
      if (label.empty()) {
        return absl::InvalidArgumentError("model config: model '" + model.name() +
                                          "' has an empty version label");
      }
      if (policy.has_specific()) {
        const auto& specific = policy.specific().versions();
        if (std::find(specific.begin(), specific.end(), version) == specific.end()) {
          return absl::InvalidArgumentError(
              "model config: model '" + model.name() + "': label '" + label + "' names version " +
              std::to_string(version) + ", which model_version_policy.specific does not serve");
        }
      }
    }
  }
  return absl::OkStatus();
}

ModelManager::ModelManager(ModelManagerOptions options) : options_(std::move(options)) {}

ModelManager::~ModelManager() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

absl::Status ModelManager::ApplyConfig(const tensorflow::serving::ModelServerConfig& config) {
  absl::Status valid = ValidateConfig(config);
  if (!valid.ok()) return valid;
  {
    std::lock_guard<std::mutex> poll_lock(poll_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::string> configured;
    for (const ModelConfig& model : config.model_config_list().config()) {
      configured.insert(model.name());
      Model& entry = models_[model.name()];
      // A changed base path is a different model: forget failures recorded for the old one.
      if (entry.config.base_path() != model.base_path()) {
        for (auto it = entry.versions.begin(); it != entry.versions.end();) {
          it = it->second.servable ? std::next(it) : entry.versions.erase(it);
        }
      }
      entry.config = model;
    }
    for (auto it = models_.begin(); it != models_.end();) {
      if (configured.count(it->first)) {
        ++it;
        continue;
      }
      for (auto& [version, state] : it->second.versions) {
        if (state.servable) SetUnavailable(it->first, version, &state);
      }
      it = models_.erase(it);
    }
  }
  Poll();
  return absl::OkStatus();
}

void ModelManager::SetUnavailable(const std::string& model, int64_t version, Version* entry) {
  entry->state = ModelVersionStatus::UNLOADING;
  retired_.push_back({model, version, std::move(entry->servable)});
  entry->servable.reset();
  Log("model " + model + " version " + std::to_string(version) +
      " is no longer served; unloading it once its requests finish");
}

void ModelManager::Poll() {
  std::lock_guard<std::mutex> poll_lock(poll_mu_);
  std::vector<ModelConfig> configs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, model] : models_) configs.push_back(model.config);
  }
  for (const ModelConfig& config : configs) PollModel(config);
  ReleaseRetired();
}

void ModelManager::PollModel(const ModelConfig& config) {
  const std::string& name = config.name();
  const std::vector<int64_t> on_disk = ListVersions(config.base_path());
  // Load what the policy wants until nothing new is wanted: a version that fails drops out of
  // the candidates, and the policy may then want an older one.
  for (size_t round = 0; round <= on_disk.size(); ++round) {
    std::vector<int64_t> to_load;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto model = models_.find(name);
      if (model == models_.end()) return;  // Removed by a config reload meanwhile.
      std::vector<int64_t> candidates;
      for (int64_t v : on_disk) {
        auto it = model->second.versions.find(v);
        const bool failed = it != model->second.versions.end() && !it->second.status.ok();
        const bool retry =
            failed && it->second.failures <= options_.max_load_retries &&
            std::chrono::steady_clock::now() - it->second.failed_at >=
                std::chrono::microseconds(options_.load_retry_interval_micros);
        if (!failed || retry) candidates.push_back(v);
      }
      for (int64_t v : Wanted(config, candidates)) {
        Version& entry = model->second.versions[v];
        if (!entry.servable) {
          entry.state = ModelVersionStatus::LOADING;
          to_load.push_back(v);
        }
      }
    }
    if (to_load.empty()) break;
    for (int64_t v : to_load) {
      const std::string path = config.base_path() + "/" + std::to_string(v);
      auto loaded = LoadServable(name, v, path, options_.session_options);
      absl::Status status = loaded.status();
      if (status.ok()) (*loaded)->batching = options_.batching;
      if (status.ok() && options_.warm_up) {
        status = options_.warm_up(**loaded);
        if (!status.ok()) {
          status = absl::Status(status.code(), "warm-up of model " + name + " version " +
                                                   std::to_string(v) + " failed: " +
                                                   std::string(status.message()));
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      auto model = models_.find(name);
      if (model == models_.end()) return;
      Version& entry = model->second.versions[v];
      entry.status = status;
      if (status.ok()) {
        entry.failures = 0;
        entry.state = ModelVersionStatus::AVAILABLE;
        (*loaded)->request_log = options_.request_log;
        (*loaded)->request_log_sampling_rate =
            config.has_logging_config()
                ? config.logging_config().sampling_config().sampling_rate()
                : options_.request_log_sampling_rate;
        entry.servable = std::shared_ptr<const Servable>(std::move(loaded).value());
        Log("model " + name + " version " + std::to_string(v) + " is serving (" + path + ")");
      } else {
        entry.state = ModelVersionStatus::END;
        entry.failed_at = std::chrono::steady_clock::now();
        ++entry.failures;
        Log("model " + name + " version " + std::to_string(v) + " failed to load (attempt " +
            std::to_string(entry.failures) + "): " + std::string(status.message()));
      }
    }
  }
  // Unlist what the policy no longer wants, now that its replacements serve.
  std::lock_guard<std::mutex> lock(mu_);
  auto model = models_.find(name);
  if (model == models_.end()) return;
  std::vector<int64_t> candidates;
  for (int64_t v : on_disk) {
    auto it = model->second.versions.find(v);
    if (it != model->second.versions.end() && it->second.servable) candidates.push_back(v);
  }
  const std::vector<int64_t> wanted = Wanted(config, candidates);
  for (auto& [v, entry] : model->second.versions) {
    if (entry.servable && std::find(wanted.begin(), wanted.end(), v) == wanted.end()) {
      SetUnavailable(name, v, &entry);
    }
  }
}

void ModelManager::ReleaseRetired() {
  std::vector<std::shared_ptr<const Servable>> to_free;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->servable.use_count() > 1) {
        ++it;
        continue;
      }
      to_free.push_back(std::move(it->servable));
      auto model = models_.find(it->model);
      if (model != models_.end()) {
        auto version = model->second.versions.find(it->version);
        if (version != model->second.versions.end() && !version->second.servable) {
          version->second.state = ModelVersionStatus::END;
        }
      }
      it = retired_.erase(it);
    }
  }
  to_free.clear();  // Sessions are freed outside the lock.
}

void ModelManager::StartPolling(int seconds) {
  poller_ = std::thread([this, seconds] {
    auto next_poll = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::unique_lock<std::mutex> lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; })) {
      lock.unlock();
      if (seconds > 0 && std::chrono::steady_clock::now() >= next_poll) {
        Poll();
        next_poll = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
      } else {
        ReleaseRetired();
      }
      lock.lock();
    }
  });
}

absl::StatusOr<std::shared_ptr<const Servable>> ModelManager::Find(
    const tensorflow::serving::ModelSpec& spec) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto model = models_.find(spec.name());
  if (model == models_.end()) {
    return absl::NotFoundError("Servable not found for request: " + SpecString(spec));
  }
  const auto& versions = model->second.versions;
  auto wanted = RequestedVersion(model->second.config, spec);
  if (!wanted.ok()) return wanted.status();
  if (*wanted >= 0) {
    auto it = versions.find(*wanted);
    if (it == versions.end() || !it->second.servable) {
      return absl::NotFoundError(
          "Servable not found for request: " + SpecString(spec) +
          (spec.version_label().empty() ? "" : " (label names version " +
                                                   std::to_string(*wanted) +
                                                   ", which is not available)"));
    }
    return it->second.servable;
  }
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->second.servable) return it->second.servable;
  }
  return absl::NotFoundError("Servable not found for request: " + SpecString(spec));
}

absl::Status ModelManager::GetStatus(const tensorflow::serving::ModelSpec& spec,
                                     tensorflow::serving::GetModelStatusResponse* response) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto model = models_.find(spec.name());
  if (spec.name().empty()) return absl::InvalidArgumentError("Missing ModelSpec.name");
  if (model == models_.end() || model->second.versions.empty()) {
    return absl::NotFoundError("Could not find any versions of model " + spec.name());
  }
  auto wanted = RequestedVersion(model->second.config, spec);
  if (!wanted.ok()) return wanted.status();
  const int64_t only = *wanted;
  for (const auto& [version, entry] : model->second.versions) {
    if (only >= 0 && version != only) continue;
    auto* out = response->add_model_version_status();
    out->set_version(version);
    out->set_state(entry.state);
    out->mutable_status()->set_error_code(
        static_cast<tensorflow::error::Code>(entry.status.code()));
    out->mutable_status()->set_error_message(std::string(entry.status.message()));
  }
  if (response->model_version_status_size() == 0) {
    return absl::NotFoundError("Could not find version " + std::to_string(only) + " of model " +
                               spec.name());
  }
  return absl::OkStatus();
}

std::vector<ModelManager::VersionState> ModelManager::States() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VersionState> out;
  for (const auto& [name, model] : models_) {
    for (const auto& [version, entry] : model.versions) out.push_back({name, version, entry.state});
  }
  return out;
}

}  // namespace tfx_core::serving
