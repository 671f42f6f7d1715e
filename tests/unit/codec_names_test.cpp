// Codec names, extensions and key-based detection.
#include <gtest/gtest.h>

#include "codec/codec.h"
#include "core/error.h"

namespace wale::codec {
namespace {

TEST(CodecNames, ParseAcceptsNamesAndAliases) {
  EXPECT_EQ(parse_codec("none"), Codec::None);
  EXPECT_EQ(parse_codec("lzop"), Codec::Lzop);
  EXPECT_EQ(parse_codec("lzo"), Codec::Lzop);
  EXPECT_EQ(parse_codec("lz4"), Codec::Lz4);
  EXPECT_EQ(parse_codec("zstd"), Codec::Zstd);
  EXPECT_EQ(parse_codec("zst"), Codec::Zstd);
}

TEST(CodecNames, ParseRejectsUnknownWithConfigError) {
  for (const char* bad : {"", "gzip", "ZSTD", "lz", "zstd ", " lzop", "none\n"}) {
    try {
      parse_codec(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Config) << bad;
      EXPECT_FALSE(e.hint().empty());
    }
  }
}

TEST(CodecNames, NamesRoundTripThroughParse) {
  for (Codec c : {Codec::None, Codec::Lzop, Codec::Lz4, Codec::Zstd}) {
    EXPECT_EQ(parse_codec(codec_name(c)), c);
  }
  EXPECT_EQ(codec_name(Codec::Lzop), "lzop");
  EXPECT_EQ(codec_name(Codec::Zstd), "zstd");
}

TEST(CodecNames, Extensions) {
  EXPECT_EQ(extension(Codec::None), "");
  EXPECT_EQ(extension(Codec::Lzop), ".lzo");
  EXPECT_EQ(extension(Codec::Lz4), ".lz4");
  EXPECT_EQ(extension(Codec::Zstd), ".zst");
}

TEST(CodecNames, CodecFromKey) {
  EXPECT_EQ(codec_from_key("wal_005/000000010000000000000003.lzo"), Codec::Lzop);
  EXPECT_EQ(codec_from_key("basebackups_005/base_x/tar_partitions/part_00000000.tar.lzo"), Codec::Lzop);
  EXPECT_EQ(codec_from_key("wal_005/000000010000000000000003.lz4"), Codec::Lz4);
  EXPECT_EQ(codec_from_key("wal_005/000000010000000000000003.zst"), Codec::Zstd);
  EXPECT_EQ(codec_from_key("wal_005/000000010000000000000003"), Codec::None);
  EXPECT_EQ(codec_from_key("sentinel.json"), Codec::None);
  EXPECT_EQ(codec_from_key(""), Codec::None);
  EXPECT_EQ(codec_from_key(".lzo"), Codec::Lzop);
  // Only a suffix counts, and it must be the whole extension.
  EXPECT_EQ(codec_from_key("a.lzo.tmp"), Codec::None);
  EXPECT_EQ(codec_from_key("a.zstd"), Codec::None);
  EXPECT_EQ(codec_from_key("a.LZO"), Codec::None);
  EXPECT_EQ(codec_from_key("alzo"), Codec::None);
}

TEST(CodecNames, ExtensionOfEachCodecMapsBack) {
  for (Codec c : {Codec::Lzop, Codec::Lz4, Codec::Zstd}) {
    EXPECT_EQ(codec_from_key("x/y" + std::string(extension(c))), c);
  }
}

}  // namespace
}  // namespace wale::codec
