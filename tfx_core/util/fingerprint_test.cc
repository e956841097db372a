#include "tfx_core/util/fingerprint.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

// tf.strings.to_hash_bucket_fast(s, 2**63 - 1) of s = bytes((i * 37 + n * 11) % 256 for i in
// range(n)), from TensorFlow 2: every length class of the algorithm (0-16, 17-32, 33-64, and
// one, two and partial 64-byte blocks).
TEST(Fingerprint64Test, MatchesTensorFlow) {
  const std::vector<size_t> lengths = {0, 1, 3, 4, 7, 8, 16, 17, 31, 32, 33, 64, 65, 127, 128,
                                       129, 200};
  const std::vector<uint64_t> expected = {
      1936946117179621456ULL, 4787810249829893994ULL, 1391590960341357285ULL,
      4561447471691752854ULL, 1779591755388221548ULL, 2700319997276414914ULL,
      6146972963557212620ULL, 1288097421791121095ULL, 8826328591393163891ULL,
      2092107961373731933ULL, 5318780940460285011ULL, 7796587972206282222ULL,
      8266282290673172197ULL, 4995122908574251640ULL, 8617028698217406159ULL,
      5792790031735592059ULL, 1318295021509232979ULL};
  ASSERT_EQ(lengths.size(), expected.size());
  for (size_t k = 0; k < lengths.size(); ++k) {
    const size_t n = lengths[k];
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 37 + n * 11) % 256);
    EXPECT_EQ(Fingerprint64(s) % 9223372036854775807ULL, expected[k]) << "length " << n;
  }
}

}  // namespace
}  // namespace tfx_core
