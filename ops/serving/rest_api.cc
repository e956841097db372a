#include "ops/serving/rest_api.h"

#include <vector>

#include "google/protobuf/util/json_util.h"
#include "ops/serving/json_tensor.h"
#include "ops/serving/prediction.h"
#include "rapidjson/error/en.h"

namespace tfx_core::serving {
namespace {

namespace tfs = tensorflow::serving;

constexpr char kPrefix[] = "/v1/models/";
// A client's id for its request, echoed back; the request log records it.
constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr size_t kMaxRequestIdBytes = 256;

bool ParseVersion(const std::string& text, int64_t* version) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  *version = std::stoll(text);
  return true;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_fields_with_no_presence = true;
  options.preserve_proto_field_names = true;
  std::string out;
  absl::Status status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return status;
  return out;
}

absl::Status ParseBody(std::string_view body, rapidjson::Document* document) {
  document->Parse<rapidjson::kParseNanAndInfFlag>(body.data(), body.size());
  if (document->HasParseError()) {
    return absl::InvalidArgumentError(
        std::string("JSON Parse error: ") + rapidjson::GetParseError_En(document->GetParseError()) +
        " at offset: " + std::to_string(document->GetErrorOffset()));
  }
  if (!document->IsObject()) {
    return absl::InvalidArgumentError("JSON Parse error: the request body must be a JSON object");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignatureName(const rapidjson::Document& body) {
  auto it = body.FindMember("signature_name");
  if (it == body.MemberEnd()) return std::string();
  if (!it->value.IsString()) {
    return absl::InvalidArgumentError("'signature_name' must be a string");
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// "examples" (and "context") of a classify or regress body as an Input.
absl::Status ExamplesInput(const rapidjson::Document& body, tfs::Input* input) {
  auto examples = body.FindMember("examples");
  if (examples == body.MemberEnd() || !examples->value.IsArray()) {
    return absl::InvalidArgumentError("Missing 'examples' key: a list of feature objects");
  }
  auto context = body.FindMember("context");
  google::protobuf::RepeatedPtrField<tensorflow::Example>* out;
  if (context != body.MemberEnd()) {
    auto* with_context = input->mutable_example_list_with_context();
    absl::Status status = JsonToExample(context->value, with_context->mutable_context());
    if (!status.ok()) return absl::InvalidArgumentError("context: " + std::string(status.message()));
    out = with_context->mutable_examples();
  } else {
    out = input->mutable_example_list()->mutable_examples();
  }
  int i = 0;
  for (const auto& example : examples->value.GetArray()) {
    absl::Status status = JsonToExample(example, out->Add());
    if (!status.ok()) {
      return absl::InvalidArgumentError("example " + std::to_string(i) + ": " +
                                        std::string(status.message()));
    }
    ++i;
  }
  return absl::OkStatus();
}

std::string ClassifyJson(const tfs::ClassificationResult& result) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("results");
  w.StartArray();
  for (const auto& classifications : result.classifications()) {
    w.StartArray();
    for (const auto& c : classifications.classes()) {
      w.StartArray();
      w.String(c.label().data(), c.label().size());
      w.Double(c.score());
      w.EndArray();
    }
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string RegressJson(const tfs::RegressionResult& result) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("results");
  w.StartArray();
  for (const auto& r : result.regressions()) w.Double(r.value());
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kCancelled: return 499;
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kFailedPrecondition: return 400;
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists: return 409;
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kUnauthenticated: return 401;
    // A full batching queue: retry later (503 rather than 429, as a load balancer expects).
    case absl::StatusCode::kResourceExhausted: return 503;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

std::string JsonError(const absl::Status& status) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("error");
  const std::string message(status.message());
  w.String(message.data(), message.size());
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void RestApi::Handle(const HttpRequest& request, HttpResponse* response,
                     RequestInfo* info) const {
  Call call;
  call.timeout_ms = timeout_ms_;
  call.frontend = "REST";
  call.request_id = std::string(request.Header(kRequestIdHeader));
  absl::Status status =
      call.request_id.size() <= kMaxRequestIdBytes
          ? Dispatch(request, &call, response, info)
          : absl::InvalidArgumentError(std::string(kRequestIdHeader) + " is longer than " +
                                       std::to_string(kMaxRequestIdBytes) + " bytes");
  // The id the request log keeps, for joining labels that arrive later.
  if (!call.request_id.empty() && call.request_id.size() <= kMaxRequestIdBytes) {
    response->headers.emplace_back(kRequestIdHeader, call.request_id);
  }
  if (!status.ok()) {
    response->status = HttpStatusFor(status.code());
    response->body = JsonError(status);
  }
}

absl::Status RestApi::Dispatch(const HttpRequest& request, Call* call, HttpResponse* response,
                               RequestInfo* info) const {
  const std::string malformed = "Malformed request: " + request.method + " " + request.path;
  if (request.path.rfind(kPrefix, 0) != 0) return absl::NotFoundError(malformed);
  std::string rest = request.path.substr(sizeof(kPrefix) - 1);
  std::string verb;
  if (request.method == "POST") {
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos) return absl::NotFoundError(malformed);
    verb = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (verb != "predict" && verb != "classify" && verb != "regress") {
      return absl::NotFoundError(malformed);
    }
  } else if (request.method == "GET") {
    verb = "status";
  } else {
    return absl::Status(absl::StatusCode::kInvalidArgument,
                        malformed + " (the API takes GET and POST)");
  }
  std::vector<std::string> parts = Split(rest, '/');
  if (verb == "status" && parts.size() > 1 && parts.back() == "metadata") {
    verb = "metadata";
    parts.pop_back();
  }
  tfs::ModelSpec spec;
  spec.set_name(parts[0]);
  info->model = parts[0];
  info->api = verb;
  if (parts[0].empty()) return absl::NotFoundError(malformed);
  if (parts.size() == 3 && parts[1] == "versions") {
    int64_t version;
    if (!ParseVersion(parts[2], &version)) return absl::NotFoundError(malformed);
    spec.mutable_version()->set_value(version);
  } else if (parts.size() == 3 && parts[1] == "labels" && !parts[2].empty()) {
    spec.set_version_label(parts[2]);
  } else if (parts.size() != 1) {
    return absl::NotFoundError(malformed);
  }

  if (verb == "status") {
    tfs::GetModelStatusResponse status_response;
    absl::Status status = manager_->GetStatus(spec, &status_response);
    if (!status.ok()) return status;
    auto json = ToJson(status_response);
    if (!json.ok()) return json.status();
    response->body = *std::move(json);
    return absl::OkStatus();
  }

  auto servable = manager_->Find(spec);
  if (!servable.ok()) return servable.status();
  info->version = (*servable)->version;

  if (verb == "metadata") {
    tfs::GetModelMetadataRequest metadata_request;
    metadata_request.add_metadata_field("signature_def");
    tfs::GetModelMetadataResponse metadata;
    absl::Status status = GetModelMetadata(**servable, metadata_request, &metadata);
    if (!status.ok()) return status;
    auto json = ToJson(metadata);
    if (!json.ok()) return json.status();
    response->body = *std::move(json);
    return absl::OkStatus();
  }

  rapidjson::Document body;
  absl::Status status = ParseBody(request.body, &body);
  if (!status.ok()) return status;
  auto signature_name = SignatureName(body);
  if (!signature_name.ok()) return signature_name.status();

  if (verb == "predict") {
    auto signature = (*servable)->Signature(*signature_name);
    if (!signature.ok()) return signature.status();
    bool row_format = false;
    NamedTensors inputs, outputs;
    status = JsonToInputs(body, **signature, &row_format, &inputs);
    if (!status.ok()) return status;
    status = RunSignature(**servable, *signature_name, **signature, inputs, {}, call, &outputs);
    if (!status.ok()) return status;
    auto json = OutputsToJson(outputs, row_format);
    if (!json.ok()) return json.status();
    response->body = *std::move(json);
    return absl::OkStatus();
  }

  tfs::Input input;
  status = ExamplesInput(body, &input);
  if (!status.ok()) return status;
  if (verb == "classify") {
    tfs::ClassificationRequest classify;
    classify.mutable_model_spec()->set_signature_name(*signature_name);
    *classify.mutable_input() = std::move(input);
    tfs::ClassificationResponse result;
    status = Classify(**servable, classify, call, &result);
    if (!status.ok()) return status;
    response->body = ClassifyJson(result.result());
    return absl::OkStatus();
  }
  tfs::RegressionRequest regress;
  regress.mutable_model_spec()->set_signature_name(*signature_name);
  *regress.mutable_input() = std::move(input);
  tfs::RegressionResponse result;
  status = Regress(**servable, regress, call, &result);
  if (!status.ok()) return status;
  response->body = RegressJson(result.result());
  return absl::OkStatus();
}

}  // namespace tfx_core::serving
