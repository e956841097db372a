// The model server's metrics in Prometheus' text exposition format, with TF Serving's names
// (":tensorflow:serving:..."): request counts and latency histograms per model, version, API
// and entry point, the state of every model version, batch sizes, queue depths and request
// log counts.
#ifndef TFX_CORE_SERVING_METRICS_H_
#define TFX_CORE_SERVING_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tfx_core::serving {

// A model version's lifecycle state ("LOADING", "AVAILABLE", "END", ...), read when rendering.
struct VersionStateMetric {
  std::string model;
  int64_t version;
  std::string state;
};

class ServerMetrics {
 public:
  // One finished request. `entrypoint` is "REST" or "GRPC"; `status` a code name ("OK", ...).
  void RecordRequest(const std::string& model, int64_t version, const std::string& api,
                     const std::string& entrypoint, const std::string& status, double seconds);
  void RecordBatch(const std::string& model, int64_t size);
  void SetQueueDepth(const std::string& model, int64_t depth);
  // Requests the request log wrote ("OK"), dropped ("RESOURCE_EXHAUSTED") or failed to write.
  void RecordRequestLog(const std::string& model, const std::string& status, int64_t requests);

  // The text exposition, with the versions' current states.
  std::string Render(const std::vector<VersionStateMetric>& states) const;

  // Upper bounds of the latency histogram's buckets, in microseconds.
  static constexpr std::array<double, 16> kLatencyBucketsUs = {
      50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6};

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBucketsUs.size() + 1> counts{};  // Last: above every bound.
    double sum = 0;
    uint64_t count = 0;
  };
  using RequestKey = std::tuple<std::string, int64_t, std::string, std::string>;

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, int64_t, std::string, std::string, std::string>, uint64_t>
      request_count_;
  std::map<RequestKey, Histogram> request_latency_;
  std::map<std::string, std::map<int64_t, uint64_t>> batch_sizes_;
  std::map<std::string, int64_t> queue_depth_;
  std::map<std::pair<std::string, std::string>, uint64_t> request_log_count_;
};

}  // namespace tfx_core::serving

#endif  // TFX_CORE_SERVING_METRICS_H_
