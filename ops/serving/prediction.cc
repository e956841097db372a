#include "ops/serving/prediction.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "ops/serving/batching.h"
#include "ops/serving/request_log.h"
#include "tensorflow/core/framework/types.h"
#include "tensorflow/core/lib/io/record_reader.h"
#include "tensorflow/core/platform/env.h"
#include "tensorflow/core/platform/logging.h"
#include "tensorflow_serving/apis/prediction_log.pb.h"

namespace tfx_core::serving {
namespace {

using tensorflow::SignatureDef;
using tensorflow::Tensor;
namespace tfs = tensorflow::serving;

constexpr char kClassifyMethod[] = "tensorflow/serving/classify";
constexpr char kRegressMethod[] = "tensorflow/serving/regress";
constexpr char kWarmupFile[] = "assets.extra/tf_serving_warmup_requests";
constexpr int kMaxWarmupRecords = 1000;  // TF Serving's limit.

std::string Join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return "{" + out + "}";
}

const std::string& SignatureName(const std::string& name) {
  static const std::string* const kDefault = new std::string("serving_default");
  return name.empty() ? *kDefault : name;
}

// Examples of an Input as one DT_STRING tensor of serialized tf.Examples, each merged with the
// context (protobuf merges concatenated messages; the example's features win).
absl::StatusOr<Tensor> SerializedExamples(const tfs::Input& input) {
  std::string context;
  const google::protobuf::RepeatedPtrField<tensorflow::Example>* examples = nullptr;
  if (input.has_example_list()) {
    examples = &input.example_list().examples();
  } else if (input.has_example_list_with_context()) {
    examples = &input.example_list_with_context().examples();
    context = input.example_list_with_context().context().SerializeAsString();
  }
  if (examples == nullptr || examples->empty()) {
    return absl::InvalidArgumentError("Input is empty: it needs example_list or "
                                      "example_list_with_context with at least one example");
  }
  Tensor out(tensorflow::DT_STRING, tensorflow::TensorShape({examples->size()}));
  auto flat = out.flat<tensorflow::tstring>();
  for (int i = 0; i < examples->size(); ++i) {
    flat(i) = context + (*examples)[i].SerializeAsString();
  }
  return out;
}

// The signature named by `name`, which must have method `method` and one DT_STRING input
// "inputs" (TF Serving's classify and regress contract).
absl::StatusOr<const SignatureDef*> ExampleSignature(const Servable& servable,
                                                     const std::string& name,
                                                     const char* method) {
  auto signature = servable.Signature(name);
  if (!signature.ok()) return signature.status();
  const SignatureDef& def = **signature;
  if (def.method_name() != method) {
    return absl::InvalidArgumentError("Expected " + std::string(method) + " signature method_name"
                                      " for signature \"" + SignatureName(name) + "\"; was: " +
                                      def.method_name());
  }
  auto input = def.inputs().find("inputs");
  if (def.inputs_size() != 1 || input == def.inputs().end() ||
      input->second.dtype() != tensorflow::DT_STRING) {
    return absl::InvalidArgumentError("Signature \"" + SignatureName(name) + "\" needs exactly one"
                                      " DT_STRING input named \"inputs\" (serialized examples)");
  }
  return &def;
}

absl::Status RunOnExamples(const Servable& servable, const std::string& signature_name,
                           const SignatureDef& signature, const tfs::Input& input, Call* call,
                           NamedTensors* outputs) {
  auto examples = SerializedExamples(input);
  if (!examples.ok()) return examples.status();
  return RunSignature(servable, signature_name, signature, {{"inputs", *std::move(examples)}}, {},
                      call, outputs);
}

const Tensor* Output(const NamedTensors& outputs, const std::string& alias) {
  for (const auto& [name, tensor] : outputs) {
    if (name == alias) return &tensor;
  }
  return nullptr;
}

absl::Status ClassificationResultFrom(const NamedTensors& outputs, int64_t num_examples,
                                      tfs::ClassificationResult* result) {
  const Tensor* classes = Output(outputs, "classes");
  const Tensor* scores = Output(outputs, "scores");
  if (classes == nullptr && scores == nullptr) {
    return absl::InvalidArgumentError(
        "Expected classification signature outputs to contain classes and/or scores");
  }
  for (const Tensor* t : {classes, scores}) {
    if (t == nullptr) continue;
    if (t->dims() != 2 || t->dim_size(0) != num_examples) {
      return absl::InvalidArgumentError("Expected classification output of shape [" +
                                        std::to_string(num_examples) + ", num_classes], got " +
                                        t->shape().DebugString());
    }
  }
  if (classes && scores && classes->dim_size(1) != scores->dim_size(1)) {
    return absl::InvalidArgumentError("Tensors classes and scores should match in dim[1]: " +
                                      classes->shape().DebugString() + " vs " +
                                      scores->shape().DebugString());
  }
  if (classes && classes->dtype() != tensorflow::DT_STRING) {
    return absl::InvalidArgumentError("Expected classes tensor of DT_STRING");
  }
  if (scores && scores->dtype() != tensorflow::DT_FLOAT) {
    return absl::InvalidArgumentError("Expected scores tensor of DT_FLOAT");
  }
  const int64_t num_classes = (classes ? classes : scores)->dim_size(1);
  for (int64_t i = 0; i < num_examples; ++i) {
    auto* classifications = result->add_classifications();
    for (int64_t j = 0; j < num_classes; ++j) {
      auto* c = classifications->add_classes();
      if (classes) c->set_label(std::string(classes->matrix<tensorflow::tstring>()(i, j)));
      if (scores) c->set_score(scores->matrix<float>()(i, j));
    }
  }
  return absl::OkStatus();
}

absl::Status RegressionResultFrom(const NamedTensors& outputs, int64_t num_examples,
                                  tfs::RegressionResult* result) {
  const Tensor* values = Output(outputs, "outputs");
  if (values == nullptr) {
    return absl::InvalidArgumentError("Expected regression signature outputs to contain outputs");
  }
  const bool shape_ok = values->dims() >= 1 && values->dim_size(0) == num_examples &&
                        (values->dims() == 1 || (values->dims() == 2 && values->dim_size(1) == 1));
  if (!shape_ok || values->dtype() != tensorflow::DT_FLOAT) {
    return absl::InvalidArgumentError("Expected regression output of DT_FLOAT and shape [" +
                                      std::to_string(num_examples) + "] or [" +
                                      std::to_string(num_examples) + ", 1], got " +
                                      tensorflow::DataTypeString(values->dtype()) + " " +
                                      values->shape().DebugString());
  }
  auto flat = values->flat<float>();
  for (int64_t i = 0; i < num_examples; ++i) result->add_regressions()->set_value(flat(i));
  return absl::OkStatus();
}

}  // namespace

void FillModelSpec(const Servable& servable, const std::string& signature_name,
                   tfs::ModelSpec* spec) {
  spec->set_name(servable.name);
  spec->mutable_version()->set_value(servable.version);
  spec->set_signature_name(SignatureName(signature_name));
}

absl::Status RunSignature(const Servable& servable, const std::string& signature_name,
                          const SignatureDef& signature, const NamedTensors& inputs,
                          const std::vector<std::string>& output_filter, Call* call,
                          NamedTensors* outputs) {
  const bool logged = servable.request_log != nullptr &&
                      RequestLog::Sampled(servable.request_log_sampling_rate);
  const auto started = std::chrono::steady_clock::now();
  absl::Status status =
      servable.batching != nullptr
          ? servable.batching->Run(servable, signature, inputs, output_filter, call->timeout_ms,
                                   outputs)
          : RunSignatureUnbatched(servable, signature, inputs, output_filter, call->timeout_ms,
                                  outputs);
  if (!logged || !status.ok()) return status;
  if (call->request_id.empty()) call->request_id = NewRequestId();
  RequestLogRecord record;
  record.model = servable.name;
  record.version = servable.version;
  record.signature = SignatureName(signature_name);
  record.frontend = call->frontend;
  record.request_id = call->request_id;
  const auto now = std::chrono::steady_clock::now();
  record.latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now - started).count();
  record.time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  record.inputs = inputs;
  record.outputs = *outputs;
  servable.request_log->Log(std::move(record));
  return status;
}

absl::Status RunSignatureUnbatched(const Servable& servable, const SignatureDef& signature,
                                   const NamedTensors& inputs,
                                   const std::vector<std::string>& output_filter,
                                   int64_t timeout_ms, NamedTensors* outputs) {
  std::set<std::string> sent, wanted;
  for (const auto& [alias, unused] : inputs) sent.insert(alias);
  for (const auto& [alias, unused] : signature.inputs()) wanted.insert(alias);
  if (sent != wanted) {
    std::set<std::string> extra, missing;
    std::set_difference(sent.begin(), sent.end(), wanted.begin(), wanted.end(),
                        std::inserter(extra, extra.end()));
    std::set_difference(wanted.begin(), wanted.end(), sent.begin(), sent.end(),
                        std::inserter(missing, missing.end()));
    return absl::InvalidArgumentError(
        "input size does not match signature: " + std::to_string(sent.size()) +
        "!=" + std::to_string(wanted.size()) + " len(" + Join(sent) + ") != len(" + Join(wanted) +
        "). Sent extra: " + Join(extra) + ". Missing but required: " + Join(missing) + ".");
  }
  std::vector<std::pair<std::string, Tensor>> feeds;
  feeds.reserve(inputs.size());
  for (const auto& [alias, tensor] : inputs) {
    const tensorflow::TensorInfo& info = signature.inputs().at(alias);
    if (tensor.dtype() != info.dtype()) {
      return absl::InvalidArgumentError(
          "input '" + alias + "' expects " + tensorflow::DataTypeString(info.dtype()) +
          " but got " + tensorflow::DataTypeString(tensor.dtype()));
    }
    feeds.emplace_back(info.name(), tensor);
  }
  std::vector<std::string> aliases, fetches;
  if (output_filter.empty()) {
    for (const auto& [alias, info] : signature.outputs()) {
      aliases.push_back(alias);
      fetches.push_back(info.name());
    }
  } else {
    for (const std::string& alias : output_filter) {
      auto it = signature.outputs().find(alias);
      if (it == signature.outputs().end()) {
        return absl::InvalidArgumentError("output tensor alias not found in signature: " + alias);
      }
      if (std::find(aliases.begin(), aliases.end(), alias) != aliases.end()) {
        return absl::InvalidArgumentError("duplicate output tensor alias in output_filter: " +
                                          alias);
      }
      aliases.push_back(alias);
      fetches.push_back(it->second.name());
    }
  }
  tensorflow::RunOptions run_options;
  if (timeout_ms > 0) run_options.set_timeout_in_ms(timeout_ms);
  tensorflow::RunMetadata run_metadata;
  std::vector<Tensor> results;
  absl::Status status = servable.bundle.session->Run(run_options, feeds, fetches, {}, &results,
                                                     &run_metadata);
  if (!status.ok()) return status;
  outputs->clear();
  outputs->reserve(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    outputs->emplace_back(aliases[i], std::move(results[i]));
  }
  return absl::OkStatus();
}

absl::Status Predict(const Servable& servable, const tfs::PredictRequest& request, Call* call,
                     tfs::PredictResponse* response) {
  auto signature = servable.Signature(request.model_spec().signature_name());
  if (!signature.ok()) return signature.status();
  NamedTensors inputs;
  inputs.reserve(request.inputs_size());
  for (const auto& [alias, proto] : request.inputs()) {
    Tensor tensor;
    if (!tensor.FromProto(proto)) {
      return absl::InvalidArgumentError("tensor parsing error: " + alias);
    }
    inputs.emplace_back(alias, std::move(tensor));
  }
  std::vector<std::string> filter(request.output_filter().begin(), request.output_filter().end());
  NamedTensors outputs;
  absl::Status status = RunSignature(servable, request.model_spec().signature_name(), **signature,
                                     inputs, filter, call, &outputs);
  if (!status.ok()) return status;
  FillModelSpec(servable, request.model_spec().signature_name(), response->mutable_model_spec());
  auto& out = *response->mutable_outputs();
  for (const auto& [alias, tensor] : outputs) {
    tensorflow::TensorProto& proto = out[alias];
    if (tensor.dtype() == tensorflow::DT_STRING) {
      tensor.AsProtoField(&proto);
    } else {
      tensor.AsProtoTensorContent(&proto);
    }
  }
  return absl::OkStatus();
}

namespace {

// Classify and Regress: the method's signature on the request's examples, the outputs turned
// into the response's result by `to_result`.
template <typename Request, typename Response, typename ToResult>
absl::Status RunExampleMethod(const Servable& servable, const Request& request, const char* method,
                              Call* call, ToResult to_result, Response* response) {
  const std::string& name = request.model_spec().signature_name();
  auto signature = ExampleSignature(servable, name, method);
  if (!signature.ok()) return signature.status();
  NamedTensors outputs;
  absl::Status status = RunOnExamples(servable, name, **signature, request.input(), call, &outputs);
  if (!status.ok()) return status;
  const int64_t n = request.input().has_example_list()
                        ? request.input().example_list().examples_size()
                        : request.input().example_list_with_context().examples_size();
  status = to_result(outputs, n, response->mutable_result());
  if (!status.ok()) return status;
  FillModelSpec(servable, name, response->mutable_model_spec());
  return absl::OkStatus();
}

}  // namespace

absl::Status Classify(const Servable& servable, const tfs::ClassificationRequest& request,
                      Call* call, tfs::ClassificationResponse* response) {
  return RunExampleMethod(servable, request, kClassifyMethod, call,
                          ClassificationResultFrom, response);
}

absl::Status Regress(const Servable& servable, const tfs::RegressionRequest& request,
                     Call* call, tfs::RegressionResponse* response) {
  return RunExampleMethod(servable, request, kRegressMethod, call, RegressionResultFrom,
                          response);
}

absl::Status MultiInference(const Servable& servable, const tfs::MultiInferenceRequest& request,
                            Call* call, tfs::MultiInferenceResponse* response) {
  if (request.tasks_size() == 0) {
    return absl::InvalidArgumentError("MultiInferenceRequest has no tasks");
  }
  std::set<std::string> signatures;
  for (const tfs::InferenceTask& task : request.tasks()) {
    if (task.model_spec().name() != servable.name) {
      return absl::InvalidArgumentError("All MultiInferenceRequest tasks must name the same model (" +
                                        servable.name + "), got " + task.model_spec().name());
    }
    if (!signatures.insert(SignatureName(task.model_spec().signature_name())).second) {
      return absl::InvalidArgumentError("Duplicate evaluation of signature: " +
                                        SignatureName(task.model_spec().signature_name()));
    }
  }
  for (const tfs::InferenceTask& task : request.tasks()) {
    tfs::InferenceResult* result = response->add_results();
    if (task.method_name() == kClassifyMethod) {
      tfs::ClassificationRequest one;
      *one.mutable_model_spec() = task.model_spec();
      *one.mutable_input() = request.input();
      tfs::ClassificationResponse out;
      absl::Status status = Classify(servable, one, call, &out);
      if (!status.ok()) return status;
      *result->mutable_model_spec() = out.model_spec();
      *result->mutable_classification_result() = out.result();
    } else if (task.method_name() == kRegressMethod) {
      tfs::RegressionRequest one;
      *one.mutable_model_spec() = task.model_spec();
      *one.mutable_input() = request.input();
      tfs::RegressionResponse out;
      absl::Status status = Regress(servable, one, call, &out);
      if (!status.ok()) return status;
      *result->mutable_model_spec() = out.model_spec();
      *result->mutable_regression_result() = out.result();
    } else {
      return absl::UnimplementedError("Unsupported signature method_name: " + task.method_name());
    }
  }
  return absl::OkStatus();
}

absl::Status GetModelMetadata(const Servable& servable,
                              const tfs::GetModelMetadataRequest& request,
                              tfs::GetModelMetadataResponse* response) {
  if (request.metadata_field_size() == 0) {
    return absl::InvalidArgumentError(
        "GetModelMetadataRequest must specify at least one metadata_field");
  }
  for (const std::string& field : request.metadata_field()) {
    if (field != "signature_def") {
      return absl::InvalidArgumentError("Metadata field " + field + " is not supported");
    }
  }
  tfs::SignatureDefMap signatures;
  *signatures.mutable_signature_def() = servable.bundle.meta_graph_def.signature_def();
  (*response->mutable_metadata())["signature_def"].PackFrom(signatures);
  response->mutable_model_spec()->set_name(servable.name);
  response->mutable_model_spec()->mutable_version()->set_value(servable.version);
  return absl::OkStatus();
}

namespace {

absl::Status ReplayWarmupRecord(const Servable& servable, const tfs::PredictionLog& log) {
  Call call;
  switch (log.log_type_case()) {
    case tfs::PredictionLog::kPredictLog: {
      tfs::PredictResponse response;
      return Predict(servable, log.predict_log().request(), &call, &response);
    }
    case tfs::PredictionLog::kClassifyLog: {
      tfs::ClassificationResponse response;
      return Classify(servable, log.classify_log().request(), &call, &response);
    }
    case tfs::PredictionLog::kRegressLog: {
      tfs::RegressionResponse response;
      return Regress(servable, log.regress_log().request(), &call, &response);
    }
    case tfs::PredictionLog::kMultiInferenceLog: {
      tfs::MultiInferenceResponse response;
      return MultiInference(servable, log.multi_inference_log().request(), &call, &response);
    }
    default:
      return absl::UnimplementedError("unsupported warm-up record type (only predict, classify, "
                                      "regress and multi_inference logs are replayed)");
  }
}

}  // namespace

absl::Status WarmUp(const Servable& servable) {
  const std::string warmup_path = servable.path + "/" + kWarmupFile;
  tensorflow::Env* env = tensorflow::Env::Default();
  if (env->FileExists(warmup_path).ok()) {
    std::unique_ptr<tensorflow::RandomAccessFile> file;
    absl::Status status = env->NewRandomAccessFile(warmup_path, &file);
    if (!status.ok()) return status;
    tensorflow::io::RecordReader reader(file.get());
    uint64_t offset = 0;
    tensorflow::tstring record;
    int count = 0;
    while (true) {
      status = reader.ReadRecord(&offset, &record);
      if (absl::IsOutOfRange(status)) break;
      if (!status.ok()) return absl::DataLossError(warmup_path + ": " +
                                                    std::string(status.message()));
      if (++count > kMaxWarmupRecords) {
        return absl::InvalidArgumentError(warmup_path + " has more than " +
                                          std::to_string(kMaxWarmupRecords) + " records");
      }
      tfs::PredictionLog log;
      if (!log.ParseFromArray(record.data(), record.size())) {
        return absl::DataLossError(warmup_path + ": record " + std::to_string(count) +
                                   " is not a PredictionLog");
      }
      status = ReplayWarmupRecord(servable, log);
      if (!status.ok()) {
        return absl::Status(status.code(), warmup_path + ": record " + std::to_string(count) +
                                               ": " + std::string(status.message()));
      }
    }
    LOG(INFO) << "model " << servable.name << " version " << servable.version << ": replayed "
              << count << " warm-up requests";
    return absl::OkStatus();
  }
  // No warm-up file: an empty batch through every signature builds its executor, which is
  // where unregistered ops and kernels show up.
  for (const auto& [name, signature] : servable.bundle.meta_graph_def.signature_def()) {
    if (name.rfind("__", 0) == 0) continue;
    NamedTensors inputs;
    for (const auto& [alias, info] : signature.inputs()) {
      tensorflow::TensorShape shape;
      if (!info.tensor_shape().unknown_rank()) {
        for (const auto& dim : info.tensor_shape().dim()) shape.AddDim(dim.size() < 0 ? 0 : dim.size());
      } else {
        shape.AddDim(0);
      }
      inputs.emplace_back(alias, Tensor(info.dtype(), shape));
    }
    NamedTensors outputs;
    Call call;
    absl::Status status = RunSignature(servable, name, signature, inputs, {}, &call, &outputs);
    if (!status.ok()) {
      const std::string message(status.message());
      // An empty batch may fail a graph's shape checks (INVALID_ARGUMENT): not a reason to
      // refuse the model. Anything else (ops or kernels not registered, variables never
      // restored) would fail every request.
      const bool unregistered = message.find("not registered") != std::string::npos ||
                                message.find("No OpKernel") != std::string::npos;
      if (unregistered || !absl::IsInvalidArgument(status)) {
        return absl::Status(status.code(), "signature " + name + ": " + message);
      }
      VLOG(1) << "warm-up of signature " << name << " on an empty batch: " << message;
    }
  }
  return absl::OkStatus();
}

}  // namespace tfx_core::serving
