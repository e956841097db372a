// CPU kernels of the transform ops: thin wrappers over tfx_core/transform.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ops/tf/tf_status.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/tensor.h"
#include "tfx_core/transform/mappers.h"
#include "tfx_core/transform/vocabulary.h"

namespace tfx_core {
namespace tf_ops {

using ::tensorflow::DEVICE_CPU;
using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShapeUtils;

// Reads scalar input i, failing with a message naming the input if it is not a scalar.
template <typename T>
bool ScalarInput(OpKernelContext* ctx, int i, T* value) {
  const Tensor& t = ctx->input(i);
  if (!TensorShapeUtils::IsScalar(t.shape())) {
    ctx->CtxFailure(absl::InvalidArgumentError(StrCat(
        ctx->op_kernel().requested_input(i), " must be a scalar, got shape ", t.shape().DebugString())));
    return false;
  }
  *value = t.scalar<T>()();
  return true;
}

template <typename In, typename Out, typename Fn>
void MapTensor(OpKernelContext* ctx, const Fn& fn) {
  const Tensor& x = ctx->input(0);
  Tensor* y = nullptr;
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
  transform::MapValues(fn, x.flat<In>().data(), x.NumElements(), y->flat<Out>().data());
}

// ScaleToZScore and ScaleTo01: Params is transform::ZScore or transform::ZeroOne.
template <typename Params, typename In, typename Out>
class ScaleOp : public OpKernel {
 public:
  explicit ScaleOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    Out a, b;
    if (!ScalarInput(ctx, 1, &a) || !ScalarInput(ctx, 2, &b)) return;
    const StatusOr<Params> params = Params::Create(a, b);
    OP_REQUIRES_OK(ctx, ToTfStatus(params.status()));
    MapTensor<In, Out>(ctx, params->template Fn<Out>());
  }
};

template <typename In>
class BucketizeOp : public OpKernel {
 public:
  explicit BucketizeOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& b = ctx->input(1);
    OP_REQUIRES(ctx, TensorShapeUtils::IsVector(b.shape()),
                absl::InvalidArgumentError(
                    StrCat("boundaries must be a vector, got shape ", b.shape().DebugString())));
    const auto flat = b.flat<double>();
    const StatusOr<transform::Buckets> buckets =
        transform::Buckets::Create(std::vector<double>(flat.data(), flat.data() + flat.size()));
    OP_REQUIRES_OK(ctx, ToTfStatus(buckets.status()));
    MapTensor<In, int64_t>(ctx, buckets->Fn());
  }
};

// Loads the vocabulary file once and keeps it while the path stays the same (a SavedModel asset
// path is fixed after loading), so serving pays only the lookups.
class ApplyVocabularyOp : public OpKernel {
 public:
  explicit ApplyVocabularyOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("num_oov_buckets", &options_.num_oov_buckets));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("default_value", &options_.default_value));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("store_frequency", &store_frequency_));
    OP_REQUIRES_OK(ctx, ToTfStatus(transform::Vocabulary::Validate(options_)));
  }

  void Compute(OpKernelContext* ctx) override {
    ::tensorflow::tstring path;
    if (!ScalarInput(ctx, 1, &path)) return;
    std::shared_ptr<const transform::Vocabulary> vocab;
    OP_REQUIRES_OK(ctx, GetVocabulary(std::string(path), &vocab));
    const Tensor& x = ctx->input(0);
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const auto in = x.flat<::tensorflow::tstring>();
    auto out = y->flat<int64_t>();
    for (int64_t i = 0; i < in.size(); ++i) {
      out(i) = vocab->Lookup(std::string_view(in(i).data(), in(i).size()), options_);
    }
  }

 private:
  absl::Status GetVocabulary(const std::string& path,
                                     std::shared_ptr<const transform::Vocabulary>* vocab) {
    std::lock_guard<std::mutex> lock(mu_);
    if (vocab_ == nullptr || path != path_) {
      StatusOr<std::shared_ptr<const transform::Vocabulary>> loaded =
          transform::Vocabulary::FromFile(path, store_frequency_);
      TF_RETURN_IF_ERROR(ToTfStatus(loaded.status()));
      vocab_ = *loaded;
      path_ = path;
    }
    *vocab = vocab_;
    return absl::OkStatus();
  }

  transform::Vocabulary::Options options_;
  bool store_frequency_ = false;
  std::mutex mu_;
  std::string path_;
  std::shared_ptr<const transform::Vocabulary> vocab_;
};

#define REGISTER_SCALE(OP, PARAMS, IN, OUT)                                              \
  REGISTER_KERNEL_BUILDER(                                                              \
      Name(OP).Device(DEVICE_CPU).TypeConstraint<IN>("T").TypeConstraint<OUT>("OutT"),  \
      ScaleOp<PARAMS, IN, OUT>)
#define REGISTER_SCALES(IN)                                                  \
  REGISTER_SCALE("TfxCoreScaleToZScore", transform::ZScore, IN, float);      \
  REGISTER_SCALE("TfxCoreScaleToZScore", transform::ZScore, IN, double);     \
  REGISTER_SCALE("TfxCoreScaleTo01", transform::ZeroOne, IN, float);         \
  REGISTER_SCALE("TfxCoreScaleTo01", transform::ZeroOne, IN, double);        \
  REGISTER_KERNEL_BUILDER(Name("TfxCoreBucketize").Device(DEVICE_CPU).TypeConstraint<IN>("T"), \
                          BucketizeOp<IN>)

REGISTER_SCALES(int64_t);
REGISTER_SCALES(float);
REGISTER_SCALES(double);

REGISTER_KERNEL_BUILDER(Name("TfxCoreApplyVocabulary").Device(DEVICE_CPU), ApplyVocabularyOp);

}  // namespace tf_ops
}  // namespace tfx_core
