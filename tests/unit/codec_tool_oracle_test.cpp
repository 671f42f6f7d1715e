// Our codecs against the real lzop, lz4 and zstd command-line tools.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"
#include "test_support/temp_dir.h"

extern char** environ;

namespace wale::codec {
namespace {

using Bytes = std::vector<std::byte>;
constexpr std::size_t kKiB = 1024;

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (auto& x : b) x = std::byte(rng() & 0xFF);
  return b;
}

Bytes wal_like_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n, std::byte{0});
  std::mt19937_64 rng(seed);
  // 8 KiB pages: a header, some records, the rest zero.
  for (std::size_t page = 0; page < n; page += 8192) {
    const std::size_t used = std::min<std::size_t>(n - page, 512 + rng() % 4096);
    for (std::size_t i = 0; i < used; ++i) {
      b[page + i] = std::byte((i % 64 < 24) ? (rng() & 0xFF) : (i & 0x0F));
    }
  }
  return b;
}

Bytes run_filter(io::Filter& f, std::span<const std::byte> in, std::size_t chunk = 64 * kKiB) {
  Bytes out;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    f.process(in.subspan(pos, std::min(chunk, in.size() - pos)), out);
  }
  f.finish(out);
  return out;
}

Bytes ours_compress(Codec c, std::span<const std::byte> in, const CompressOptions& o = {}) {
  auto f = make_compressor(c, o);
  return run_filter(*f, in);
}

Bytes ours_decompress(Codec c, std::span<const std::byte> in) {
  auto f = make_decompressor(c);
  return run_filter(*f, in, 10000);
}

void write_file(const std::string& path, std::span<const std::byte> data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << path;
}

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Bytes b(s.size());
  if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
  return b;
}

struct ToolResult {
  int exit_code = -1;
  Bytes out;
  std::string err;
};

// Runs argv with stdin read from `stdin_path` (a regular file, so lzop sees
// its mode and mtime) and stdout/stderr captured through files. No shell.
ToolResult run_tool_on_file(const std::vector<std::string>& argv, const std::string& stdin_path,
                            const test::TempDir& dir) {
  const std::string out_path = dir.path() + "/tool.out";
  const std::string err_path = dir.path() + "/tool.err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  ToolResult result;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.err = "spawn failed: " + std::string(std::strerror(rc));
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  const Bytes err = read_file(err_path);
  result.err.assign(reinterpret_cast<const char*>(err.data()), err.size());
  return result;
}

ToolResult run_tool(const std::vector<std::string>& argv, std::span<const std::byte> input) {
  test::TempDir dir;
  const std::string in_path = dir.path() + "/tool.in";
  write_file(in_path, input);
  return run_tool_on_file(argv, in_path, dir);
}

std::uint32_t be32(const Bytes& b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) |
         std::uint32_t(b[at + 3]);
}
std::uint16_t be16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>((std::uint32_t(b[at]) << 8) | std::uint32_t(b[at + 1]));
}

struct Sample {
  const char* name;
  Bytes data;
};

std::vector<Sample> samples() {
  std::vector<Sample> s;
  s.push_back({"empty", {}});
  s.push_back({"one byte", Bytes{std::byte{'x'}}});
  s.push_back({"256KiB random", random_bytes(256 * kKiB, 1)});
  s.push_back({"WAL-like 3MiB+1", wal_like_bytes(3 * 1024 * kKiB + 1, 2)});
  return s;
}

// --- our output, decoded by the tools ---------------------------------------

void expect_tool_reads_ours(Codec codec, const std::vector<std::string>& argv) {
  for (const auto& sample : samples()) {
    const Bytes packed = ours_compress(codec, sample.data);
    const ToolResult r = run_tool(argv, packed);
    ASSERT_EQ(r.exit_code, 0) << argv[0] << " on " << sample.name << ": " << r.err;
    EXPECT_TRUE(r.err.empty()) << argv[0] << " warned on " << sample.name << ": " << r.err;
    EXPECT_TRUE(r.out == sample.data) << argv[0] << " on " << sample.name;
  }
}

TEST(CodecToolOracle, LzopToolDecodesOurLzop) { expect_tool_reads_ours(Codec::Lzop, {"lzop", "-dc"}); }
TEST(CodecToolOracle, LzopToolTestsOurLzop) {
  const Bytes packed = ours_compress(Codec::Lzop, wal_like_bytes(kKiB * 1024, 3));
  const ToolResult r = run_tool({"lzop", "-t"}, packed);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}
TEST(CodecToolOracle, Lz4ToolDecodesOurLz4) { expect_tool_reads_ours(Codec::Lz4, {"lz4", "-dc"}); }
TEST(CodecToolOracle, ZstdToolDecodesOurZstd) { expect_tool_reads_ours(Codec::Zstd, {"zstd", "-q", "-dc"}); }

// --- the tools' output, decoded by us ---------------------------------------

void expect_we_read_tool(Codec codec, const std::vector<std::string>& argv) {
  for (const auto& sample : samples()) {
    const ToolResult r = run_tool(argv, sample.data);
    ASSERT_EQ(r.exit_code, 0) << argv[0] << " on " << sample.name << ": " << r.err;
    ASSERT_FALSE(r.out.empty());
    EXPECT_TRUE(ours_decompress(codec, r.out) == sample.data)
        << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << " on " << sample.name;
  }
}

TEST(CodecToolOracle, WeDecodeLzopTool) { expect_we_read_tool(Codec::Lzop, {"lzop", "-c"}); }
TEST(CodecToolOracle, WeDecodeLzopToolFastest) {
  expect_we_read_tool(Codec::Lzop, {"lzop", "-1", "-c"});  // method 2, LZO1X-1(15)
}
TEST(CodecToolOracle, WeDecodeLzopToolBest) {
  expect_we_read_tool(Codec::Lzop, {"lzop", "-9", "-c"});  // method 3, LZO1X-999
}
TEST(CodecToolOracle, WeDecodeLzopToolCrc32) {
  // F_CRC32_D and a crc32 header checksum (F_H_CRC32).
  expect_we_read_tool(Codec::Lzop, {"lzop", "--crc32", "-c"});
}
TEST(CodecToolOracle, WeDecodeLzopToolDeltaFilters) {
  for (const char* filter : {"--filter=1", "--filter=3", "--filter=16"}) {
    expect_we_read_tool(Codec::Lzop, {"lzop", filter, "-c"});
  }
}
TEST(CodecToolOracle, WeDecodeLzopToolWithFileName) {
  test::TempDir dir;
  const Bytes data = wal_like_bytes(600 * kKiB, 4);
  const std::string path = dir.path() + "/000000010000000000000007";
  write_file(path, data);
  const ToolResult r = run_tool_on_file({"lzop", "-c", path}, "/dev/null", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GT(r.out.size(), 40u);
  EXPECT_EQ(r.out[33], std::byte{24}) << "expected lzop to store the 24-char file name";
  EXPECT_TRUE(ours_decompress(Codec::Lzop, r.out) == data);
}
TEST(CodecToolOracle, WeDecodeLz4Tool) { expect_we_read_tool(Codec::Lz4, {"lz4", "-c"}); }
TEST(CodecToolOracle, WeDecodeLz4ToolLinkedBlocksAndBlockChecksums) {
  expect_we_read_tool(Codec::Lz4, {"lz4", "-BD", "-BX", "-B4", "-c"});
}
TEST(CodecToolOracle, WeDecodeZstdTool) { expect_we_read_tool(Codec::Zstd, {"zstd", "-q", "-c"}); }
TEST(CodecToolOracle, WeDecodeZstdToolHighLevel) { expect_we_read_tool(Codec::Zstd, {"zstd", "-q", "-19", "-c"}); }

// --- lzop header compatibility ----------------------------------------------

class LzopToolHeader : public testing::Test {
 protected:
  static constexpr std::uint32_t kMtime = 1700000123;
  static constexpr std::uint32_t kMode = 0100600;

  // `lzop -c < file` where the file has mode 0600 and mtime kMtime.
  Bytes lzop_tool_output(const Bytes& data) {
    const std::string path = dir_.path() + "/segment";
    write_file(path, data);
    EXPECT_EQ(::chmod(path.c_str(), 0600), 0);
    const timespec times[2] = {{kMtime, 0}, {kMtime, 0}};
    EXPECT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
    const ToolResult r = run_tool_on_file({"lzop", "-c"}, path, dir_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  Bytes ours(const Bytes& data) {
    CompressOptions o;
    o.lzop_mode = kMode;
    o.lzop_mtime = kMtime;
    return ours_compress(Codec::Lzop, data, o);
  }

  test::TempDir dir_;
};

TEST_F(LzopToolHeader, HeaderFieldsMatchLzopTool) {
  const Bytes data = wal_like_bytes(600 * kKiB, 5);
  const Bytes tool = lzop_tool_output(data);
  const Bytes mine = ours(data);
  ASSERT_GE(tool.size(), 38u);
  ASSERT_GE(mine.size(), 38u);
  // Field by field, so a mismatch names the field.
  EXPECT_TRUE(std::equal(mine.begin(), mine.begin() + 9, tool.begin())) << "magic";
  EXPECT_EQ(be16(mine, 9), be16(tool, 9)) << "version";
  EXPECT_EQ(be16(mine, 9), 0x1040);
  EXPECT_EQ(be16(mine, 11), be16(tool, 11)) << "lib_version";
  EXPECT_EQ(be16(mine, 13), be16(tool, 13)) << "version_needed";
  EXPECT_EQ(be16(mine, 13), 0x0940);
  EXPECT_EQ(mine[15], tool[15]) << "method";
  EXPECT_EQ(mine[15], std::byte{1});
  EXPECT_EQ(mine[16], tool[16]) << "level";
  EXPECT_EQ(mine[16], std::byte{5});
  EXPECT_EQ(be32(mine, 17), be32(tool, 17)) << "flags";
  EXPECT_EQ(be32(mine, 17), 0x0300000Du);
  EXPECT_EQ(be32(mine, 21), be32(tool, 21)) << "mode";
  EXPECT_EQ(be32(mine, 21), kMode);
  EXPECT_EQ(be32(mine, 25), be32(tool, 25)) << "mtime_low";
  EXPECT_EQ(be32(mine, 25), kMtime);
  EXPECT_EQ(be32(mine, 29), be32(tool, 29)) << "mtime_high";
  EXPECT_EQ(mine[33], tool[33]) << "filename length";
  EXPECT_EQ(be32(mine, 34), be32(tool, 34)) << "header checksum";
  // First block framing: 256 KiB uncompressed, same adler32 of the data.
  EXPECT_EQ(be32(mine, 38), 262144u);
  EXPECT_EQ(be32(mine, 38), be32(tool, 38));
  EXPECT_EQ(be32(mine, 46), be32(tool, 46)) << "block adler32";
}

TEST_F(LzopToolHeader, PipeModeZeroMatchesLzopToolOnPipe) {
  // A partition is compressed from a pipe: mode 0. Our header with mode 0
  // must equal lzop's apart from mtime (lzop stamps the current time).
  const Bytes data = random_bytes(1000, 6);
  test::TempDir dir;
  // Feed lzop through a FIFO so its stdin is not a regular file.
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string src = dir.path() + "/src";
  write_file(src, data);
  const pid_t writer = ::fork();
  ASSERT_GE(writer, 0);
  if (writer == 0) {
    const int in = ::open(src.c_str(), O_RDONLY);
    const int out = ::open(fifo.c_str(), O_WRONLY);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0) {
      if (::write(out, buf, static_cast<std::size_t>(n)) != n) ::_exit(1);
    }
    ::_exit(0);
  }
  const ToolResult r = run_tool_on_file({"lzop", "-c"}, fifo, dir);
  int status = 0;
  ::waitpid(writer, &status, 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(r.out.size(), 38u);
  EXPECT_EQ(be32(r.out, 21), 0u) << "lzop mode from a pipe";
  CompressOptions o;
  o.lzop_mode = 0;
  o.lzop_mtime = be32(r.out, 25);
  const Bytes mine = ours_compress(Codec::Lzop, data, o);
  EXPECT_TRUE(std::equal(mine.begin(), mine.begin() + 38, r.out.begin()));
}

TEST_F(LzopToolHeader, WholeOutputIsByteIdenticalToLzopTool) {
  // Same liblzo2, same LZO1X-1: the blocks match too, not just the header.
  const Bytes data = wal_like_bytes(1100 * kKiB, 7);
  EXPECT_TRUE(ours(data) == lzop_tool_output(data));
}

}  // namespace
}  // namespace wale::codec
