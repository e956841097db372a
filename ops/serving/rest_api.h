// TF Serving's REST API (https://www.tensorflow.org/tfx/serving/api_rest):
//   GET  /v1/models/{name}[/versions/{v} | /labels/{l}]            model status
//   GET  /v1/models/{name}[/versions/{v} | /labels/{l}]/metadata   signature defs
//   POST /v1/models/{name}[/versions/{v} | /labels/{l}]:predict|classify|regress
// Errors are {"error": "..."} with TF Serving's HTTP codes. A request's X-Request-Id header is
// echoed back; a logged request without one gets the id it was logged under.
#ifndef OPS_SERVING_REST_API_H_
#define OPS_SERVING_REST_API_H_

#include <cstdint>
#include <string>

#include "ops/serving/model_manager.h"
#include "ops/serving/prediction.h"
#include "tfx_core/serving/http_server.h"

namespace tfx_core::serving {

// What one handled request was, for metrics, access and request logs.
struct RequestInfo {
  std::string model;
  int64_t version = -1;  // The version that answered; -1 if none did.
  std::string api;       // "predict", "classify", "regress", "status", "metadata", ...
};

// TF Serving's mapping of error codes to HTTP statuses.
int HttpStatusFor(absl::StatusCode code);
std::string JsonError(const absl::Status& status);

class RestApi {
 public:
  RestApi(const ModelManager* manager, int64_t timeout_ms)
      : manager_(manager), timeout_ms_(timeout_ms) {}

  // Handles a request under /v1/models/; fills `info` as far as the request got.
  void Handle(const HttpRequest& request, HttpResponse* response, RequestInfo* info) const;

 private:
  absl::Status Dispatch(const HttpRequest& request, Call* call, HttpResponse* response,
                        RequestInfo* info) const;

  const ModelManager* manager_;
  const int64_t timeout_ms_;
};

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_REST_API_H_
