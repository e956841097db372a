// Fingerprint64: TensorFlow's string fingerprint (tensorflow::Fingerprint64, farmhash's
// Fingerprint64 = its "na" Hash64), our own implementation of the published algorithm. It is
// what tf.strings.to_hash_bucket_fast and TFT's out-of-vocabulary buckets hash with, so ids we
// compute equal the ones a TFT-trained model expects. Stable across platforms and releases.
#ifndef TFX_CORE_UTIL_FINGERPRINT_H_
#define TFX_CORE_UTIL_FINGERPRINT_H_

#include <cstdint>
#include <string_view>

namespace tfx_core {

uint64_t Fingerprint64(std::string_view s);

}  // namespace tfx_core

#endif  // TFX_CORE_UTIL_FINGERPRINT_H_
