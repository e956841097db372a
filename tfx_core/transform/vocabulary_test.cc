#include "tfx_core/transform/vocabulary.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace transform {
namespace {

std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(VocabularyTest, FindsTokensByPosition) {
  auto vocab = Vocabulary::FromTokens({"Adelie", "Gentoo", "Chinstrap", ""});
  ASSERT_TRUE(vocab.ok());
  EXPECT_EQ((*vocab)->size(), 4);
  EXPECT_EQ((*vocab)->Find("Adelie"), 0);
  EXPECT_EQ((*vocab)->Find("Chinstrap"), 2);
  EXPECT_EQ((*vocab)->Find(""), 3);
  EXPECT_EQ((*vocab)->Find("Emperor"), -1);
}

TEST(VocabularyTest, OovGoesToHashBucketsOrDefault) {
  auto vocab = Vocabulary::FromTokens({"a", "b"});
  Vocabulary::Options with_oov{/*num_oov_buckets=*/3, /*default_value=*/-1};
  const int64_t id = (*vocab)->Lookup("zebra", with_oov);
  EXPECT_EQ(id, 2 + static_cast<int64_t>(Fingerprint64("zebra") % 3));
  EXPECT_EQ((*vocab)->Lookup("b", with_oov), 1);
  Vocabulary::Options no_oov{0, -7};
  EXPECT_EQ((*vocab)->Lookup("zebra", no_oov), -7);
}

TEST(VocabularyTest, OovIdsAreTensorFlows) {
  // tf.lookup.StaticVocabularyTable(["x", "y", "z"], num_oov_buckets=7), which TFT uses:
  // "a" -> 8, "" -> 9, "penguin" -> 5.
  auto vocab = Vocabulary::FromTokens({"x", "y", "z"});
  ASSERT_TRUE(vocab.ok());
  const Vocabulary::Options oov{7, -1};
  EXPECT_EQ((*vocab)->Lookup("a", oov), 8);
  EXPECT_EQ((*vocab)->Lookup("", oov), 9);
  EXPECT_EQ((*vocab)->Lookup("penguin", oov), 5);
  EXPECT_EQ((*vocab)->Lookup("x", oov), 0);
}

TEST(VocabularyTest, RejectsDuplicates) {
  auto vocab = Vocabulary::FromTokens({"x", "y", "x"});
  ASSERT_FALSE(vocab.ok());
  EXPECT_NE(vocab.status().message().find("'x' appears twice (ids 0 and 2)"), std::string::npos);
}

TEST(VocabularyTest, LoadsFilesWithOrWithoutFinalNewline) {
  auto a = Vocabulary::FromFile(WriteFile("a.txt", "red\ngreen\nblue\n"));
  auto b = Vocabulary::FromFile(WriteFile("b.txt", "red\ngreen\nblue"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->size(), 3);
  EXPECT_EQ((*b)->size(), 3);
  EXPECT_EQ((*b)->Find("blue"), 2);
}

TEST(VocabularyTest, FileErrorsNameTheFile) {
  auto missing = Vocabulary::FromFile("/nonexistent/vocab.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/vocab.txt"), std::string::npos);
  auto dup = Vocabulary::FromFile(WriteFile("dup.txt", "a\nb\na\n"));
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("dup.txt"), std::string::npos);
}

TEST(VocabularyTest, ScalesToAMillionTokens) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 1000000; ++i) tokens.push_back("token_" + std::to_string(i));
  auto vocab = Vocabulary::FromTokens(tokens);
  ASSERT_TRUE(vocab.ok());
  EXPECT_EQ((*vocab)->Find("token_999999"), 999999);
  EXPECT_EQ((*vocab)->Find("token_1000000"), -1);
}

TEST(VocabularyTest, RejectsNegativeOovBuckets) {
  EXPECT_FALSE(Vocabulary::Validate({-1, -1}).ok());
}

}  // namespace
}  // namespace transform
}  // namespace tfx_core
