// The one place where a tfx_core::Status becomes a TensorFlow status.
#ifndef TFX_CORE_OPS_TF_TF_STATUS_H_
#define TFX_CORE_OPS_TF_TF_STATUS_H_

#include "absl/status/status.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace tf_ops {

inline absl::Status ToTfStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return absl::OkStatus();
    case StatusCode::kInvalidArgument: return absl::InvalidArgumentError(status.message());
    case StatusCode::kNotFound: return absl::NotFoundError(status.message());
    case StatusCode::kFailedPrecondition: return absl::FailedPreconditionError(status.message());
    case StatusCode::kUnavailable: return absl::UnavailableError(status.message());
    case StatusCode::kInternal: return absl::InternalError(status.message());
  }
  return absl::UnknownError(status.message());
}

}  // namespace tf_ops
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_TF_TF_STATUS_H_
