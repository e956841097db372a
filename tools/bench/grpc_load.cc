// A closed-loop gRPC load generator for serving_bench: `concurrency` threads each send one
// serialized request (raw bytes, any method) and wait for the answer, for `seconds`.
// Prints {"requests": N, "errors": E, "rps": ..., "p50_us": ..., "p99_us": ...}.
//
//   grpc_load TARGET METHOD REQUEST_FILE CONCURRENCY SECONDS
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s TARGET METHOD REQUEST_FILE CONCURRENCY SECONDS\n", argv[0]);
    return 2;
  }
  const std::string target = argv[1], method = argv[2];
  std::ifstream in(argv[3], std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string request = bytes.str();
  const int concurrency = std::atoi(argv[4]);
  const double seconds = std::atof(argv[5]);

  std::atomic<long> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c) {
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", c);  // One connection per client thread.
      auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
      grpc::GenericStub stub(channel);
      grpc::CompletionQueue queue;
      std::vector<double> mine;
      while (std::chrono::steady_clock::now() < until) {
        grpc::Slice slice(request);
        grpc::ByteBuffer body(&slice, 1), answer;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        grpc::Status status;
        const auto start = std::chrono::steady_clock::now();
        auto call = stub.PrepareUnaryCall(&context, method, body, &queue);
        call->StartCall();
        call->Finish(&answer, &status, reinterpret_cast<void*>(1));
        void* tag;
        bool ok;
        queue.Next(&tag, &ok);
        mine.push_back(std::chrono::duration<double, std::micro>(
                           std::chrono::steady_clock::now() - start).count());
        if (!ok || !status.ok()) ++errors;
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  std::sort(latencies.begin(), latencies.end());
  const size_t n = latencies.size();
  std::printf("{\"requests\": %zu, \"errors\": %ld, \"rps\": %.1f, \"p50_us\": %.1f, "
              "\"p99_us\": %.1f}\n", n, errors.load(), n / seconds,
              n ? latencies[n / 2] : 0.0, n ? latencies[std::min(n - 1, n * 99 / 100)] : 0.0);
  return errors.load() == 0 ? 0 : 1;
}
