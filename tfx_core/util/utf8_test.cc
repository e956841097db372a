#include "tfx_core/util/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  for (const std::string s : {"", "plain ascii, longer than eight bytes", "caf\xc3\xa9",
                              "\xe2\x82\xac 20", "\xf0\x9f\x90\xa7 penguin", "\xf4\x8f\xbf\xbf",
                              "\xed\x9f\xbf"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
  }
}

TEST(Utf8Test, RejectsInvalidBytes) {
  for (const std::string s : {"\xff\x05", "abcdefgh\x80", "\xc0\xaf", "\xe0\x80\xaf",
                              "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                              "caf\xc3", "\xe2\x82", "12345678\xe2\x28\xa1"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << s;
  }
}

}  // namespace
}  // namespace tfx_core
