// Dynamic request batching with TF Serving's BatchingParameters.
//
// Concurrent runs of the same signature of the same version (with the same outputs) queue
// together; a pool of num_batch_threads threads runs a queue's requests as one batch once it
// holds max_batch_size rows or its oldest request has waited batch_timeout_micros, padding
// the batch up to the next allowed_batch_sizes entry by repeating its first row, and splits
// the outputs back (pad_variable_length_inputs also pads inputs of different lengths to a
// common shape). Queues are bounded by max_enqueued_batches: a request that does not fit
// gets RESOURCE_EXHAUSTED at once, and one whose deadline passes while queued gets
// DEADLINE_EXCEEDED. Batching pays for models whose per-run cost dwarfs the wait; for a
// tiny model it loses, which is why it is off by default (see the serving benchmark).
#ifndef OPS_SERVING_BATCHING_H_
#define OPS_SERVING_BATCHING_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ops/serving/prediction.h"
#include "tensorflow_serving/config/tf_serving_config.pb.h"

namespace tfx_core::serving {

struct BatchingOptions {
  int64_t max_batch_size = 1000;
  int64_t batch_timeout_micros = 0;
  int64_t max_enqueued_batches = 10;
  int64_t num_batch_threads = 0;  // 0: one per core.
  std::vector<int64_t> allowed_batch_sizes;
  // Batch requests whose inputs differ beyond dimension 0, each input padded to the batch's
  // largest size in every dimension with its own first element (TF Serving's semantics; the
  // outputs are split along dimension 0 only, so a model must tolerate the padding).
  bool pad_variable_length_inputs = false;
};

// TF Serving's BatchingParameters (text format) as options, checked as TF Serving checks them.
absl::StatusOr<BatchingOptions> BatchingOptionsFrom(
    const tensorflow::serving::BatchingParameters& parameters);

class BatchScheduler {
 public:
  // Called with (model name, batch size) for every batch run and (model name, queued rows).
  using BatchObserver = std::function<void(const std::string& model, int64_t size)>;

  BatchScheduler(BatchingOptions options, BatchObserver on_batch, BatchObserver on_queue);
  ~BatchScheduler();  // Finishes queued requests, then stops the threads.

  // RunSignature, batched with concurrent requests for the same signature and outputs.
  absl::Status Run(const Servable& servable, const tensorflow::SignatureDef& signature,
                   const NamedTensors& inputs, const std::vector<std::string>& output_filter,
                   int64_t timeout_ms, NamedTensors* outputs);

 private:
  struct Task;
  struct Queue {
    std::deque<Task*> tasks;
    int64_t rows = 0;
  };

  void Work();
  // A queue whose batch is due now (full or timed out), or the time the next one will be.
  Queue* Due(std::chrono::steady_clock::time_point* next_due, std::string* key);
  void RunBatch(std::vector<Task*> batch);

  const BatchingOptions options_;
  const BatchObserver on_batch_, on_queue_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::map<std::string, Queue> queues_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_BATCHING_H_
