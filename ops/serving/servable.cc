#include "ops/serving/servable.h"


namespace tfx_core::serving {
namespace {

// tensorflow::kSavedModelTagServe (its header is not in the wheel).
constexpr char kServeTag[] = "serve";

}  // namespace

absl::StatusOr<const tensorflow::SignatureDef*> Servable::Signature(
    const std::string& name) const {
  const std::string& wanted = name.empty() ? std::string("serving_default") : name;
  const auto& signatures = bundle.meta_graph_def.signature_def();
  auto it = signatures.find(wanted);
  if (it != signatures.end()) return &it->second;
  std::string known;
  for (const auto& [key, unused] : signatures) {
    if (key.rfind("__", 0) == 0) continue;  // Internal (e.g. __saved_model_init_op).
    known += (known.empty() ? "" : ", ") + key;
  }
  return absl::NotFoundError("Serving signature name: \"" + wanted + "\" not found in signature def"
                             " of model " + this->name + " version " + std::to_string(version) +
                             " (signatures: " + known + ")");
}

absl::StatusOr<std::unique_ptr<Servable>> LoadServable(const std::string& name, int64_t version,
                                                        const std::string& path,
                                                        const tensorflow::SessionOptions& options) {
  auto servable = std::make_unique<Servable>();
  servable->name = name;
  servable->version = version;
  servable->path = path;
  tensorflow::RunOptions run_options;
  absl::Status status = tensorflow::LoadSavedModel(options, run_options, path,
                                                   {kServeTag},
                                                   &servable->bundle);
  if (!status.ok()) {
    return absl::Status(status.code(), "cannot load SavedModel " + path + ": " +
                                           std::string(status.message()));
  }
  return servable;
}

}  // namespace tfx_core::serving
