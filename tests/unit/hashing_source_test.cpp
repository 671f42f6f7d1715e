#include "io/hashing_source.h"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "io/memory_streams.h"
#include "test_support/temp_dir.h"

namespace wale::io {
namespace {

TEST(HashingSource, EmptyInputHasTheReferenceXxh3_128) {
  MemorySource empty(std::string_view(""));
  // XXH3-128 of no bytes, canonical (big-endian) form, as xxhsum -H2 prints it.
  EXPECT_EQ(hash_all(empty), "99aa06d3014798d86001c324468d497f");
}

TEST(HashingSource, PassesBytesThroughAndHashIsIndependentOfReadSizes) {
  std::string data(300001, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7919 % 251);
  MemorySource whole(data);
  std::string expected = hash_all(whole);

  MemorySource inner(data);
  HashingSource hashed(inner);
  std::string passed;
  std::vector<std::byte> buf(997);
  while (std::size_t n = hashed.read(buf)) passed.append(reinterpret_cast<const char*>(buf.data()), n);
  EXPECT_TRUE(passed == data);
  EXPECT_EQ(hashed.hex(), expected);

  data[150000] ^= 1;
  MemorySource changed(data);
  EXPECT_NE(hash_all(changed), expected);
}

TEST(HashingSource, HashFileOfAMissingFileIsEmpty) {
  test::TempDir dir;
  EXPECT_EQ(hash_file(dir.path() + "/absent"), "");
  std::ofstream(dir.path() + "/f", std::ios::binary) << "abc";
  MemorySource abc(std::string_view("abc"));
  EXPECT_EQ(hash_file(dir.path() + "/f"), hash_all(abc));
}

}  // namespace
}  // namespace wale::io
