// io::WriteBehind: files written on its thread come out byte-identical, with
// their mode and mtime, through O_DIRECT (whole chunks) and the page cache
// (tails, or when asked); a failure on its thread reaches the caller.
#include "io/write_behind.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "test_support/file_system.h"
#include "test_support/temp_dir.h"

namespace wale::io {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

UniqueFd create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  return UniqueFd(fd);
}

// Writes `data` as the producer does: full chunks, the tail last.
void put(WriteBehind& wb, const std::string& path, const std::string& data, bool direct, mode_t mode = 0640,
         time_t mtime = 1600000000) {
  auto f = wb.adopt(create(path), path, direct);
  for (std::size_t pos = 0; pos < data.size();) {
    auto buf = wb.acquire();
    std::size_t n = std::min(buf.size(), data.size() - pos);
    std::memcpy(buf.data(), data.data() + pos, n);
    wb.write(f, buf, n);
    pos += n;
  }
  struct timespec ts {};
  ts.tv_sec = mtime;
  ts.tv_nsec = 123456789;
  wb.close(f, mode, ts);
}

const std::size_t kSizes[] = {
    0, 1, 4095, 4096, 4097, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 4096, 5 * kChunk + 77};

void check_files(const std::string& dir) {
  int i = 0;
  for (std::size_t size : kSizes) {
    std::string path = dir + "/f" + std::to_string(i);
    EXPECT_EQ(slurp(path), pattern(size, static_cast<unsigned>(i))) << size << " bytes";
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
    ++i;
  }
}

TEST(WriteBehind, WritesEveryFileWholeWithItsModeAndTimeThroughTheCache) {
  test::TempDir dir;
  WriteBehind wb(kChunk, 3);
  int i = 0;
  for (std::size_t size : kSizes) {
    put(wb, dir.path() + "/f" + std::to_string(i), pattern(size, static_cast<unsigned>(i)), false);
    ++i;
  }
  wb.drain();
  check_files(dir.path());
  EXPECT_EQ(wb.direct_files(), 0u);
}

TEST(WriteBehind, WholeChunksGoAroundThePageCacheAndTailsThroughIt) {
  test::TempDir dir;
  // A file system that refuses O_DIRECT gets the same bytes through the page cache.
  const bool direct_ok = test::direct_io_works(dir.path());
  WriteBehind wb(kChunk, 2);
  int i = 0, with_full_chunk = 0;
  for (std::size_t size : kSizes) {
    put(wb, dir.path() + "/f" + std::to_string(i), pattern(size, static_cast<unsigned>(i)), true);
    if (size >= kChunk || (size > 0 && size % 4096 == 0)) ++with_full_chunk;
    ++i;
  }
  wb.release();  // drains; the counters stay
  check_files(dir.path());
  // Files with a chunk that is a multiple of 4096 bytes went direct, the others (only a tail) did not.
  EXPECT_EQ(wb.direct_files(), direct_ok ? static_cast<std::uint64_t>(with_full_chunk) : 0u);
}

TEST(WriteBehind, ReleaseFreesAndTheNextFileStartsItAgain) {
  test::TempDir dir;
  WriteBehind wb(kChunk, 2);
  put(wb, dir.path() + "/a", pattern(3 * kChunk, 1), false);
  wb.release();
  put(wb, dir.path() + "/b", pattern(2 * kChunk + 5, 2), false);
  wb.release();
  EXPECT_EQ(slurp(dir.path() + "/a"), pattern(3 * kChunk, 1));
  EXPECT_EQ(slurp(dir.path() + "/b"), pattern(2 * kChunk + 5, 2));
}

// RLIMIT_FSIZE makes write(2) fail with EFBIG on the writer thread: the
// caller hears of it (Error{Io} naming the file), nothing later is written.
TEST(WriteBehind, AFailedWriteReachesTheCallerAndStopsLaterFiles) {
  test::TempDir dir;
  bool threw = false;
  {
    test::FileSizeLimit full(2 * kChunk);
    WriteBehind wb(kChunk, 2);
    try {
      put(wb, dir.path() + "/big", pattern(6 * kChunk, 3), false);
      put(wb, dir.path() + "/after", pattern(100, 4), false);
      wb.drain();
    } catch (const Error& e) {
      threw = true;
      EXPECT_EQ(e.code(), ErrorCode::Io);
      EXPECT_NE(e.detail().find(dir.path() + "/big"), std::string::npos) << e.detail();
    }
    // Sticky: drain() says it again.
    EXPECT_THROW(wb.drain(), Error);
  }
  EXPECT_TRUE(threw) << "the write failure was lost";
  EXPECT_LE(slurp(dir.path() + "/big").size(), 2 * kChunk);
  EXPECT_EQ(slurp(dir.path() + "/after"), "") << "a file after the failure was written";
}

TEST(WriteBehind, DestroyedWithQueuedWorkClosesEverything) {
  test::TempDir dir;
  int before = 0;
  for (int fd = 0; fd < 1024; ++fd) before += ::fcntl(fd, F_GETFD) >= 0;
  {
    WriteBehind wb(kChunk, 4);
    for (int i = 0; i < 8; ++i) {
      auto f = wb.adopt(create(dir.path() + "/q" + std::to_string(i)), "q", false);
      auto buf = wb.acquire();
      wb.write(f, buf, 100);
      // no close(): the destructor must still close the descriptor
    }
  }
  int after = 0;
  for (int fd = 0; fd < 1024; ++fd) after += ::fcntl(fd, F_GETFD) >= 0;
  EXPECT_EQ(after, before);
}

TEST(WriteBehind, RejectsAChunkThatIsNotAMultipleOfTheAlignment) {
  EXPECT_THROW(WriteBehind(1000, 2), Error);
  EXPECT_THROW(WriteBehind(kChunk, 0), Error);
}

}  // namespace
}  // namespace wale::io
