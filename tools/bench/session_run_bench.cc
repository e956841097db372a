// The bare model time for serving_bench: one signature of a SavedModel run through
// Session::Run from C++ (the server's own RunSignatureUnbatched, no server, no batching) on the
// inputs of a serialized PredictRequest. Prints {"p50_us": ..., "mean_us": ..., "runs": N}.
//
//   session_run_bench MODEL_DIR PREDICT_REQUEST_FILE [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "ops/serving/prediction.h"
#include "tensorflow/c/c_api.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR PREDICT_REQUEST_FILE [RUNS] [OP_LIBRARY]\n",
                 argv[0]);
    return 2;
  }
  const int runs = argc > 3 ? std::atoi(argv[3]) : 2000;
  if (argc > 4) {
    TF_Status* status = TF_NewStatus();
    TF_LoadLibrary(argv[4], status);
    TF_DeleteStatus(status);
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  tensorflow::serving::PredictRequest request;
  if (!request.ParseFromString(bytes.str())) {
    std::fprintf(stderr, "%s is not a serialized PredictRequest\n", argv[2]);
    return 1;
  }
  tensorflow::SessionOptions options;
  options.config.set_inter_op_parallelism_threads(-1);  // As the server runs it.
  auto servable = tfx_core::serving::LoadServable("bench", 1, argv[1], options);
  if (!servable.ok()) {
    std::fprintf(stderr, "%s\n", std::string(servable.status().message()).c_str());
    return 1;
  }
  auto signature = (*servable)->Signature(request.model_spec().signature_name());
  if (!signature.ok()) return 1;
  tfx_core::serving::NamedTensors inputs, outputs;
  for (const auto& [alias, proto] : request.inputs()) {
    tensorflow::Tensor t;
    if (!t.FromProto(proto)) return 1;
    inputs.emplace_back(alias, t);
  }
  std::vector<double> us;
  for (int i = 0; i < runs + runs / 10; ++i) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = tfx_core::serving::RunSignatureUnbatched(**servable, **signature,
                                                                   inputs, {}, 0, &outputs);
    const double elapsed = std::chrono::duration<double, std::micro>(
                               std::chrono::steady_clock::now() - start).count();
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
      return 1;
    }
    if (i >= runs / 10) us.push_back(elapsed);  // The first tenth warms up.
  }
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double u : us) sum += u;
  std::printf("{\"p50_us\": %.2f, \"mean_us\": %.2f, \"runs\": %zu}\n", us[us.size() / 2],
              sum / us.size(), us.size());
  return 0;
}
