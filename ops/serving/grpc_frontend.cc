// The gRPC front end: a generic async gRPC server that passes raw bytes to the model server's
// handler. See grpc_frontend.h for why it lives in its own shared object.
#include "ops/serving/grpc_frontend.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

char* CopyString(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

struct Server;

// One call: requested -> request read -> response written and finished -> freed.
struct Call {
  enum class Step { kRequested, kRead, kDone };
  explicit Call(Server* server, grpc::ServerCompletionQueue* queue)
      : server(server), queue(queue), stream(&context) {}
  Server* server;
  grpc::ServerCompletionQueue* queue;
  Step step = Step::kRequested;
  grpc::GenericServerContext context;
  grpc::GenericServerAsyncReaderWriter stream;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

struct Server {
  grpc::AsyncGenericService service;
  std::unique_ptr<grpc::Server> server;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  std::vector<std::thread> threads;
  tfxc_grpc_handler handler = nullptr;
  void* handler_context = nullptr;

  void Request(grpc::ServerCompletionQueue* queue) {
    Call* call = new Call(this, queue);
    service.RequestCall(&call->context, &call->stream, queue, queue, call);
  }

  void Respond(Call* call) {
    std::vector<grpc::Slice> slices;
    std::string request;
    if (call->request.Dump(&slices).ok()) {
      for (const auto& slice : slices) {
        request.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    int64_t timeout_ms = -1;
    const auto deadline = call->context.deadline();
    if (deadline != std::chrono::system_clock::time_point::max()) {
      timeout_ms = std::max<int64_t>(
          1, std::chrono::duration_cast<std::chrono::milliseconds>(
                 deadline - std::chrono::system_clock::now()).count());
    }
    char* response = nullptr;
    size_t response_size = 0;
    char* error = nullptr;
    const int code = handler(handler_context, call->context.method().c_str(), request.data(),
                             request.size(), timeout_ms, &response, &response_size, &error);
    call->step = Call::Step::kDone;
    if (code == 0) {
      grpc::Slice slice(response, response_size);
      call->response = grpc::ByteBuffer(&slice, 1);
      std::free(response);
      call->stream.WriteAndFinish(call->response, grpc::WriteOptions(), grpc::Status::OK, call);
    } else {
      grpc::Status status(static_cast<grpc::StatusCode>(code), error ? error : "");
      std::free(error);
      call->stream.Finish(status, call);
    }
  }

  void Loop(grpc::ServerCompletionQueue* queue) {
    void* tag;
    bool ok;
    while (queue->Next(&tag, &ok)) {
      Call* call = static_cast<Call*>(tag);
      switch (call->step) {
        case Call::Step::kRequested:
          if (!ok) {  // Shutting down.
            delete call;
            break;
          }
          Request(queue);  // Keep one call pending per queue.
          call->step = Call::Step::kRead;
          call->stream.Read(&call->request, call);
          break;
        case Call::Step::kRead:
          if (!ok) {
            call->step = Call::Step::kDone;
            call->stream.Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request message"),
                                call);
            break;
          }
          Respond(call);
          break;
        case Call::Step::kDone:
          delete call;
          break;
      }
    }
  }
};

}  // namespace

extern "C" __attribute__((visibility("default"))) void* tfxc_grpc_start(
    const char* address, int num_threads, int max_message_bytes, tfxc_grpc_handler handler,
    void* context, int* port, char** error) {
  auto server = std::make_unique<Server>();
  server->handler = handler;
  server->handler_context = context;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterAsyncGenericService(&server->service);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.SetMaxSendMessageSize(max_message_bytes);
  for (int i = 0; i < std::max(1, num_threads); ++i) {
    server->queues.push_back(builder.AddCompletionQueue());
  }
  server->server = builder.BuildAndStart();
  if (!server->server || *port == 0) {
    *error = CopyString(std::string("gRPC: cannot listen on ") + address +
                        " (is another server using the port?)");
    if (server->server) server->server->Shutdown();
    for (auto& queue : server->queues) {
      queue->Shutdown();
      void* tag;
      bool ok;
      while (queue->Next(&tag, &ok)) delete static_cast<Call*>(tag);
    }
    return nullptr;
  }
  for (auto& queue : server->queues) server->Request(queue.get());
  for (auto& queue : server->queues) {
    grpc::ServerCompletionQueue* q = queue.get();
    Server* s = server.get();
    server->threads.emplace_back([s, q] { s->Loop(q); });
  }
  return server.release();
}

extern "C" __attribute__((visibility("default"))) void tfxc_grpc_stop(void* handle) {
  auto* server = static_cast<Server*>(handle);
  server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  for (auto& queue : server->queues) queue->Shutdown();
  for (auto& thread : server->threads) thread.join();
  delete server;
}
