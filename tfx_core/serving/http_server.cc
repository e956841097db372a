#include "tfx_core/serving/http_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace tfx_core::serving {
namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 499: return "Client Closed Request";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 500 ? "Error" : "Internal Server Error";
  }
}

const char* MethodName(evhttp_cmd_type command) {
  switch (command) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "OTHER";
  }
}

}  // namespace

struct HttpServer::Worker {
  const HttpHandler* handler = nullptr;
  event_base* base = nullptr;
  evhttp* http = nullptr;
  // Activated by Stop(). Unlike event_base_loopbreak, which is forgotten if the loop has not
  // started yet, an active event is handled whenever the loop runs.
  event* stop = nullptr;
  std::thread thread;

  static void OnStop(evutil_socket_t, short, void* base) {
    event_base_loopbreak(static_cast<event_base*>(base));
  }

  static void OnRequest(evhttp_request* req, void* arg) {
    auto* worker = static_cast<Worker*>(arg);
    HttpRequest request;
    request.native = req;
    request.method = MethodName(evhttp_request_get_command(req));
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* raw_path = uri ? evhttp_uri_get_path(uri) : nullptr;
    if (raw_path != nullptr) {
      char* decoded = evhttp_uridecode(raw_path, /*decode_plus=*/0, nullptr);
      if (decoded != nullptr) {
        request.path = decoded;
        std::free(decoded);
      }
    }
    evbuffer* input = evhttp_request_get_input_buffer(req);
    const size_t length = evbuffer_get_length(input);
    if (length > 0) {
      request.body = std::string_view(
          reinterpret_cast<const char*>(evbuffer_pullup(input, -1)), length);
    }
    evhttp_connection* connection = evhttp_request_get_connection(req);
    if (connection != nullptr) {
      char* address = nullptr;
      ev_uint16_t peer_port = 0;
      evhttp_connection_get_peer(connection, &address, &peer_port);
      if (address != nullptr) request.peer = StrCat(address, ":", peer_port);
      // Without TCP_NODELAY a keep-alive response waits on Nagle's algorithm (~40-80 ms).
      const int fd = bufferevent_getfd(evhttp_connection_get_bufferevent(connection));
      const int one = 1;
      if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }

    HttpResponse response;
    (*worker->handler)(request, &response);

    evkeyvalq* headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", response.content_type.c_str());
    for (const auto& [name, value] : response.headers) {
      evhttp_add_header(headers, name.c_str(), value.c_str());
    }
    evbuffer* output = evhttp_request_get_output_buffer(req);
    evbuffer_add(output, response.body.data(), response.body.size());
    evhttp_send_reply(req, response.status, ReasonPhrase(response.status), output);
  }
};

std::string_view HttpRequest::Header(const char* name) const {
  if (native == nullptr) return {};
  const char* value = evhttp_find_header(
      evhttp_request_get_input_headers(static_cast<evhttp_request*>(const_cast<void*>(native))),
      name);
  return value == nullptr ? std::string_view() : std::string_view(value);
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                        HttpHandler handler) {
  static std::once_flag threads_enabled;
  std::call_once(threads_enabled, [] { evthread_use_pthreads(); });
  if (options.num_threads < 1) {
    return InvalidArgument("HTTP server: num_threads must be >= 1, got ", options.num_threads);
  }

  std::unique_ptr<HttpServer> server(new HttpServer());
  server->handler_ = std::move(handler);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal("HTTP server: socket() failed: ", std::strerror(errno));
  server->listen_fd_ = fd;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.address.c_str(), &address.sin_addr) != 1) {
    return InvalidArgument("HTTP server: not an IPv4 address: '", options.address, "'");
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Unavailable("HTTP server: cannot bind ", options.address, ":", options.port, ": ",
                       std::strerror(errno), " (is another server using the port?)");
  }
  if (listen(fd, 1024) != 0) {
    return Internal("HTTP server: listen() failed: ", std::strerror(errno));
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  server->port_ = ntohs(address.sin_port);

  timeval timeout{options.timeout_ms / 1000, (options.timeout_ms % 1000) * 1000};
  for (int i = 0; i < options.num_threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->handler = &server->handler_;
    worker->base = event_base_new();
    worker->http = worker->base ? evhttp_new(worker->base) : nullptr;
    worker->stop = worker->http ? event_new(worker->base, -1, 0, &Worker::OnStop, worker->base)
                                : nullptr;
    if (worker->stop == nullptr) return Internal("HTTP server: cannot create an event loop");
    evhttp_set_max_body_size(worker->http, static_cast<ev_ssize_t>(options.max_body_bytes));
    evhttp_set_timeout_tv(worker->http, &timeout);
    evhttp_set_allowed_methods(worker->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    evhttp_set_gencb(worker->http, &Worker::OnRequest, worker.get());
    // Each loop owns (and closes) its own descriptor of the one listening socket.
    const int worker_fd = dup(fd);
    if (worker_fd < 0 || evhttp_accept_socket(worker->http, worker_fd) != 0) {
      return Internal("HTTP server: cannot accept on the listening socket");
    }
    server->workers_.push_back(std::move(worker));
  }
  for (auto& worker : server->workers_) {
    Worker* w = worker.get();
    w->thread = std::thread([w] { event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
  return std::move(server);
}

void HttpServer::Stop() {
  for (auto& worker : workers_) {
    if (worker->stop != nullptr) event_active(worker->stop, EV_READ, 0);
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
    if (worker->stop != nullptr) event_free(worker->stop);
    if (worker->http != nullptr) evhttp_free(worker->http);
    if (worker->base != nullptr) event_base_free(worker->base);
  }
  workers_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace tfx_core::serving
