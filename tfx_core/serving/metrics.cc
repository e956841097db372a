#include "tfx_core/serving/metrics.h"

#include <sstream>

namespace tfx_core::serving {
namespace {

// A label value with Prometheus' escapes.
std::string Quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

void ServerMetrics::RecordRequest(const std::string& model, int64_t version,
                                  const std::string& api, const std::string& entrypoint,
                                  const std::string& status, double seconds) {
  const double us = seconds * 1e6;
  std::lock_guard<std::mutex> lock(mu_);
  ++request_count_[{model, version, api, entrypoint, status}];
  Histogram& h = request_latency_[{model, version, api, entrypoint}];
  size_t bucket = 0;
  while (bucket < kLatencyBucketsUs.size() && us > kLatencyBucketsUs[bucket]) ++bucket;
  ++h.counts[bucket];
  h.sum += us;
  ++h.count;
}

void ServerMetrics::RecordBatch(const std::string& model, int64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  ++batch_sizes_[model][size];
}

void ServerMetrics::RecordRequestLog(const std::string& model, const std::string& status,
                                     int64_t requests) {
  std::lock_guard<std::mutex> lock(mu_);
  request_log_count_[{model, status}] += requests;
}

void ServerMetrics::SetQueueDepth(const std::string& model, int64_t depth) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_depth_[model] = depth;
}

std::string ServerMetrics::Render(const std::vector<VersionStateMetric>& states) const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  out << "# TYPE :tensorflow:serving:request_count counter\n";
  for (const auto& [key, count] : request_count_) {
    const auto& [model, version, api, entrypoint, status] = key;
    out << ":tensorflow:serving:request_count{model_name=" << Quote(model)
        << ",model_version=" << Quote(std::to_string(version)) << ",API=" << Quote(api)
        << ",entrypoint=" << Quote(entrypoint) << ",status=" << Quote(status) << "} " << count
        << "\n";
  }
  out << "# TYPE :tensorflow:serving:request_latency histogram\n";
  for (const auto& [key, h] : request_latency_) {
    const auto& [model, version, api, entrypoint] = key;
    const std::string labels = "model_name=" + Quote(model) + ",model_version=" +
                               Quote(std::to_string(version)) + ",API=" + Quote(api) +
                               ",entrypoint=" + Quote(entrypoint);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kLatencyBucketsUs.size(); ++i) {
      cumulative += h.counts[i];
      std::ostringstream le;
      if (i < kLatencyBucketsUs.size()) {
        le << kLatencyBucketsUs[i];
      } else {
        le << "+Inf";
      }
      out << ":tensorflow:serving:request_latency_bucket{" << labels << ",le=" << Quote(le.str())
          << "} " << cumulative << "\n";
    }
    out << ":tensorflow:serving:request_latency_sum{" << labels << "} " << h.sum << "\n";
    out << ":tensorflow:serving:request_latency_count{" << labels << "} " << h.count << "\n";
  }
  out << "# TYPE :tensorflow:serving:model_version_state gauge\n";
  for (const VersionStateMetric& v : states) {
    out << ":tensorflow:serving:model_version_state{model_name=" << Quote(v.model)
        << ",model_version=" << Quote(std::to_string(v.version)) << ",state=" << Quote(v.state)
        << "} 1\n";
  }
  out << "# TYPE :tensorflow:serving:batching_session:batch_size counter\n";
  for (const auto& [model, sizes] : batch_sizes_) {
    for (const auto& [size, count] : sizes) {
      out << ":tensorflow:serving:batching_session:batch_size{model_name=" << Quote(model)
          << ",batch_size=" << Quote(std::to_string(size)) << "} " << count << "\n";
    }
  }
  out << "# TYPE :tensorflow:serving:batching_session:queue_depth gauge\n";
  for (const auto& [model, depth] : queue_depth_) {
    out << ":tensorflow:serving:batching_session:queue_depth{model_name=" << Quote(model) << "} "
        << depth << "\n";
  }
  out << "# TYPE :tensorflow:serving:request_log_count counter\n";
  for (const auto& [key, count] : request_log_count_) {
    out << ":tensorflow:serving:request_log_count{model_name=" << Quote(key.first)
        << ",status=" << Quote(key.second) << "} " << count << "\n";
  }
  return out.str();
}

}  // namespace tfx_core::serving
