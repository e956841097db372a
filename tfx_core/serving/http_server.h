// A multi-threaded HTTP/1.1 server on libevent's evhttp: the model server's REST front end.
//
// Each of `num_threads` threads runs its own event loop accepting on one shared listening
// socket, and calls the handler on that thread: a handler may block (it runs the model) without
// stalling other connections. evhttp reads the whole body before the handler runs, so a slow
// client occupies no handler; bodies over the size limit get 413 and idle or stalled
// connections are closed after the timeout. libevent links no TLS library (TensorFlow's
// BoringSSL would capture OpenSSL's symbols) and no TensorFlow.
#ifndef TFX_CORE_SERVING_HTTP_SERVER_H_
#define TFX_CORE_SERVING_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core::serving {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // Decoded path without the query string, e.g. "/v1/models/m:predict".
  std::string_view body;
  std::string peer;  // "address:port" of the client, for the access log.
  const void* native = nullptr;  // The server's own request, for Header().

  // The value of header `name` (case-insensitive), or "" when there is none.
  std::string_view Header(const char* name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // Besides Content-Type.
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse*)>;

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  int port = 0;  // 0 picks a free port; HttpServer::port() says which.
  int num_threads = 4;
  size_t max_body_bytes = 64 << 20;
  int timeout_ms = 30000;  // Per connection: reading a request, writing a response, idle.
};

class HttpServer {
 public:
  // Binds, listens and starts the threads. An occupied port is an error naming it.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                     HttpHandler handler);
  ~HttpServer();  // Stops.

  int port() const { return port_; }
  // Stops accepting, lets each thread finish the request it is handling, and joins them.
  void Stop();

 private:
  struct Worker;
  HttpServer() = default;

  int port_ = 0;
  int listen_fd_ = -1;
  HttpHandler handler_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace tfx_core::serving

#endif  // TFX_CORE_SERVING_HTTP_SERVER_H_
