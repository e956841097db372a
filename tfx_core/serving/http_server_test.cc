#include "tfx_core/serving/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core::serving {
namespace {

// Sends one raw HTTP/1.1 request (Connection: close) and returns the whole response.
std::string Send(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = write(fd, request.data() + sent, request.size() - sent);
    if (n <= 0) break;
    sent += n;
  }
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

std::string Post(int port, const std::string& path, const std::string& body) {
  return Send(port, "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

std::unique_ptr<HttpServer> EchoServer(HttpServerOptions options) {
  auto server = HttpServer::Start(options, [](const HttpRequest& request, HttpResponse* out) {
    out->status = request.path == "/missing" ? 404 : 200;
    out->body = request.method + " " + request.path + " " + std::string(request.body);
  });
  EXPECT_TRUE(server.ok()) << server.status().message();
  return std::move(server).value();
}

TEST(HttpServerTest, AnswersGetAndPostWithDecodedPathAndBody) {
  auto server = EchoServer({});
  ASSERT_GT(server->port(), 0);
  const std::string get = Send(server->port(),
                               "GET /v1/models/a%20b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(get.find("HTTP/1.1 200 OK"), std::string::npos) << get;
  EXPECT_NE(get.find("Content-Type: application/json"), std::string::npos) << get;
  EXPECT_NE(get.find("GET /v1/models/a b "), std::string::npos) << get;

  const std::string post = Post(server->port(), "/v1/models/m:predict", "{\"instances\": [1]}");
  EXPECT_NE(post.find("POST /v1/models/m:predict {\"instances\": [1]}"), std::string::npos)
      << post;
  EXPECT_NE(Post(server->port(), "/missing", "").find("HTTP/1.1 404 Not Found"),
            std::string::npos);
}

TEST(HttpServerTest, RejectsBodiesOverTheLimit) {
  HttpServerOptions options;
  options.max_body_bytes = 100;
  auto server = EchoServer(options);
  EXPECT_NE(Post(server->port(), "/x", std::string(99, 'a')).find(" 200 "), std::string::npos);
  const std::string big = Post(server->port(), "/x", std::string(1000, 'a'));
  EXPECT_NE(big.find(" 413 "), std::string::npos) << big;
  // The server keeps serving afterwards.
  EXPECT_NE(Post(server->port(), "/x", "ok").find("POST /x ok"), std::string::npos);
}

TEST(HttpServerTest, ServesConcurrentClientsOnAllThreads) {
  HttpServerOptions options;
  options.num_threads = 4;
  auto server = EchoServer(options);
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 25; ++i) {
        const std::string body = std::to_string(c * 1000 + i);
        if (Post(server->port(), "/p", body).find("POST /p " + body) != std::string::npos) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 200);
}

TEST(HttpServerTest, AnOccupiedPortIsAnErrorNamingIt) {
  auto first = EchoServer({});
  HttpServerOptions options;
  options.port = first->port();
  auto second = HttpServer::Start(options, [](const HttpRequest&, HttpResponse*) {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(std::to_string(first->port())), std::string::npos);
}

}  // namespace
}  // namespace tfx_core::serving
