// io streams (file, memory, filter, counting, hashing): short reads are
// not ends, errors keep their code through every adapter, an end is only
// reported for a complete stream, and a sink that fails leaves nothing.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <array>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "codec/codec.h"
#include "core/error.h"
#include "io/counting_sink.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/hashing_source.h"
#include "io/memory_streams.h"
#include "test_support/file_system.h"
#include "test_support/temp_dir.h"

namespace wale::io {
namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>((x >> 16) % 7 == 0 ? 'a' : (x >> 24));  // compressible, not trivial
  }
  return s;
}

// Returns at most `step` bytes per read; after `fail_after` bytes (if set)
// throws Error{code} instead.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(std::string data, std::size_t step, std::optional<std::size_t> fail_after = {},
                ErrorCode code = ErrorCode::Transient)
      : data_(std::move(data)), step_(step), fail_after_(fail_after), code_(code) {}
  std::size_t read(std::span<std::byte> out) override {
    if (fail_after_ && pos_ >= *fail_after_) throw Error(code_, "upstream failed");
    std::size_t n = std::min({out.size(), step_, data_.size() - pos_});
    if (fail_after_) n = std::min(n, *fail_after_ - pos_);
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t step_;
  std::optional<std::size_t> fail_after_;
  ErrorCode code_;
  std::size_t pos_ = 0;
};

// Records what it is given; fails the nth write or finish if asked.
class RecordingSink final : public ByteSink {
 public:
  std::string data;
  bool finished = false;
  int fail_write = 0;  // 1-based write call to fail; 0 = none
  bool fail_finish = false;
  void write(std::span<const std::byte> d) override {
    if (++writes == fail_write) throw Error(ErrorCode::Io, "downstream write failed");
    data.append(reinterpret_cast<const char*>(d.data()), d.size());
  }
  using ByteSink::write;
  void finish() override {
    if (fail_finish) throw Error(ErrorCode::Remote, "downstream finish failed");
    finished = true;
  }
  int writes = 0;
};

std::string compress(codec::Codec c, const std::string& data) {
  auto sink = std::make_unique<RecordingSink>();
  auto* raw = sink.get();
  FilterSink f(codec::make_compressor(c), std::move(sink));
  f.write(data);
  f.finish();
  return raw->data;
}

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no wale::Error";
  return ErrorCode::Internal;
}

const codec::Codec kCodecs[] = {codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::Lzop};

TEST(IoStreams, ReadFullKeepsReadingThroughShortReads) {
  TrickleSource src(pattern(1000), 7);
  std::vector<std::byte> buf(600);
  EXPECT_EQ(read_full(src, buf), 600u);
  EXPECT_EQ(read_full(src, buf), 400u);  // the end: short only here
  EXPECT_EQ(read_full(src, buf), 0u);
}

TEST(IoStreams, MemoryStreamsRoundTripAndCommitOnlyOnFinish) {
  MemorySource src(pattern(100000));
  std::vector<std::byte> committed;
  bool commits = false;
  {
    MemorySink sink([&](std::vector<std::byte>&& d) {
      committed = std::move(d);
      commits = true;
    });
    EXPECT_EQ(copy(src, sink, 333), 100000u);
    EXPECT_FALSE(commits);
    sink.finish();
    EXPECT_TRUE(sink.finished());
  }
  EXPECT_TRUE(commits);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(committed.data()), committed.size()), pattern(100000));
  MemorySink abandoned([&](std::vector<std::byte>&&) { ADD_FAILURE() << "committed without finish"; });
  abandoned.write("x");
}

TEST(IoStreams, DecompressingThroughOneByteReadsGivesTheOriginal) {
  std::string data = pattern(100000);
  for (codec::Codec c : kCodecs) {
    SCOPED_TRACE(codec::codec_name(c));
    FilterSource src(codec::make_decompressor(c), std::make_unique<TrickleSource>(compress(c, data), 1), 4096);
    std::string out;
    std::byte buf[777];
    while (std::size_t n = src.read(buf)) out.append(reinterpret_cast<const char*>(buf), n);
    EXPECT_TRUE(out == data);
    EXPECT_EQ(src.read(buf), 0u);  // the end stays the end
  }
}

// A compressed stream cut anywhere is Error{Corrupt}, never a shorter end --
// and stays an error if read again.
TEST(IoStreams, ATruncatedCompressedStreamIsCorruptAndStaysSo) {
  std::string data = pattern(200000);
  for (codec::Codec c : kCodecs) {
    std::string z = compress(c, data);
    for (std::size_t keep : {std::size_t{0}, std::size_t{1}, z.size() / 3, z.size() - 1}) {
      SCOPED_TRACE(std::string(codec::codec_name(c)) + " kept " + std::to_string(keep));
      FilterSource src(codec::make_decompressor(c), std::make_unique<TrickleSource>(z.substr(0, keep), 1000));
      std::byte buf[4096];
      EXPECT_EQ(code_of([&] {
                  while (src.read(buf) > 0) {
                  }
                }),
                ErrorCode::Corrupt);
      EXPECT_EQ(code_of([&] { src.read(buf); }), ErrorCode::Corrupt) << "a second read reported a clean end";
    }
  }
}

// An upstream failure passes through every adapter with its own code (a
// storage outage is not "corrupt data", and not an end).
TEST(IoStreams, UpstreamErrorsKeepTheirCodeThroughFilterAndHashing) {
  std::string data = pattern(200000);
  for (codec::Codec c : kCodecs) {
    SCOPED_TRACE(codec::codec_name(c));
    std::string z = compress(c, data);
    for (ErrorCode code : {ErrorCode::Transient, ErrorCode::Remote, ErrorCode::Io, ErrorCode::Cancelled}) {
      FilterSource src(codec::make_decompressor(c), std::make_unique<TrickleSource>(z, 500, z.size() / 2, code));
      HashingSource hashed(src);
      std::byte buf[4096];
      EXPECT_EQ(code_of([&] {
                  while (hashed.read(buf) > 0) {
                  }
                }),
                code);
    }
  }
}

TEST(IoStreams, FilterSinkPassesDownstreamFailuresAndCountsOnlyWhatArrived) {
  for (codec::Codec c : kCodecs) {
    SCOPED_TRACE(codec::codec_name(c));
    std::uint64_t counted = 0;
    auto rec = std::make_unique<RecordingSink>();
    auto* r = rec.get();
    r->fail_finish = true;
    FilterSink sink(codec::make_compressor(c), std::make_unique<CountingSink>(std::move(rec), counted));
    sink.write(pattern(100000));
    EXPECT_EQ(code_of([&] { sink.finish(); }), ErrorCode::Remote);
    EXPECT_FALSE(r->finished);
    EXPECT_EQ(counted, r->data.size());
  }
  std::uint64_t counted = 0;
  auto rec = std::make_unique<RecordingSink>();
  rec->fail_write = 2;
  CountingSink counting(std::move(rec), counted);
  counting.write("abc");
  EXPECT_EQ(code_of([&] { counting.write("defg"); }), ErrorCode::Io);
  EXPECT_EQ(counted, 3u) << "a failed write was counted as stored";
}

TEST(IoStreams, CopyStopsAtTheFirstSourceErrorWithoutFinishing) {
  TrickleSource src(pattern(10000), 100, 5000, ErrorCode::Transient);
  RecordingSink sink;
  EXPECT_EQ(code_of([&] { copy(src, sink, 64); }), ErrorCode::Transient);
  EXPECT_EQ(sink.data, pattern(5000));
  EXPECT_FALSE(sink.finished);
}

TEST(IoStreams, FileSourceReadsWholeFilesAndReportsReadErrors) {
  test::TempDir dir;
  std::string path = dir.path() + "/f";
  std::ofstream(path, std::ios::binary) << pattern(70000);
  auto src = open_file_source(path);
  ASSERT_TRUE(src);
  EXPECT_EQ(read_all(*src), pattern(70000));
  EXPECT_EQ(open_file_source(dir.path() + "/absent"), nullptr);
  auto d = open_file_source(dir.path());  // a directory opens, but cannot be read
  ASSERT_TRUE(d);
  std::byte buf[16];
  EXPECT_EQ(code_of([&] { d->read(buf); }), ErrorCode::Io);
}

std::vector<std::string> names_in(const std::string& dir) { return directory_names(dir); }

TEST(IoStreams, AtomicFileSinkPublishesOnlyOnFinishAndLeavesNoTemporary) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  {
    AtomicFileSink sink(path);
    sink.write(pattern(1000));
    EXPECT_EQ(names_in(dir.path()).size(), 1u);  // the hidden temporary only
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  EXPECT_TRUE(names_in(dir.path()).empty()) << "an abandoned sink left its temporary";
  {
    AtomicFileSink sink(path);
    sink.write("first");
    sink.finish();
  }
  {
    AtomicFileSink sink(path, 0600, true, AtomicFileSink::Publish::IfAbsent);
    sink.write("second");
    EXPECT_EQ(code_of([&] { sink.finish(); }), ErrorCode::Conflict);
  }
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "first");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out"});
}

// A full disk (here: the file size limit, EFBIG, as ENOSPC would be) is
// Error{Io} from write, and the sink then leaves nothing behind.
TEST(IoStreams, AtomicFileSinkOnAFullDiskFailsAndLeavesNothing) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  ErrorCode code = ErrorCode::Internal;
  {
    test::FileSizeLimit full(64 * 1024);
    AtomicFileSink sink(path);
    code = code_of([&] { sink.write(pattern(200000)); });
  }
  EXPECT_EQ(code, ErrorCode::Io);
  EXPECT_TRUE(names_in(dir.path()).empty());
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Pages of `path` in the page cache (mincore over a mapping of the file).
std::size_t resident_pages(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t size = static_cast<std::size_t>(::lseek(fd, 0, SEEK_END));
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return 0;
  std::vector<unsigned char> vec((size + 4095) / 4096);
  std::size_t n = 0;
  if (::mincore(map, size, vec.data()) == 0)
    n = static_cast<std::size_t>(std::count_if(vec.begin(), vec.end(), [](unsigned char c) { return c & 1; }));
  ::munmap(map, size);
  return n;
}

TEST(IoStreams, AtomicFileSinkHeldInMemoryWritesTheSameBytes) {
  test::TempDir dir;
  const bool direct_ok = test::direct_io_works(dir.path());
  const std::size_t limit = AtomicFileSink::kHoldLimit;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097},
                           std::size_t{3 * 1024 * 1024 + 17}, limit, limit + 5000}) {
    std::string path = dir.path() + "/o" + std::to_string(size);
    std::string data = pattern(size);
    AtomicFileSink sink(path, 0600, true, AtomicFileSink::Publish::IfAbsent, AtomicFileSink::Hold::InMemory);
    for (std::size_t pos = 0; pos < size; pos += 53 * 1024) {  // in pieces, as a compressor writes
      sink.write(std::string_view(data).substr(pos, 53 * 1024));
    }
    sink.finish();
    EXPECT_EQ(read_all(path), data) << size;
    // Whole blocks of a held object go around the page cache; one past the limit streamed instead.
    EXPECT_EQ(sink.wrote_direct(), direct_ok && size >= 4096 && size <= limit) << size;
  }
  for (const auto& n : names_in(dir.path())) EXPECT_NE(n[0], '.') << "a temporary was left: " << n;
}

TEST(IoStreams, AHeldObjectLeavesThePageCacheAloneButItsTail) {
  test::TempDir dir;
  if (!test::direct_io_works(dir.path())) {
    // The file system refuses O_DIRECT: the held bytes go through the page cache.
    AtomicFileSink sink(dir.path() + "/o", 0600, true, AtomicFileSink::Publish::Replace,
                        AtomicFileSink::Hold::InMemory);
    sink.write(pattern(1 << 20));
    sink.finish();
    EXPECT_FALSE(sink.wrote_direct());
    EXPECT_EQ(read_all(dir.path() + "/o"), pattern(1 << 20));
    return;
  }
  std::string path = dir.path() + "/o";
  {
    AtomicFileSink sink(path, 0600, true, AtomicFileSink::Publish::IfAbsent, AtomicFileSink::Hold::InMemory);
    sink.write(pattern(3 * 1024 * 1024 + 100));
    sink.finish();
  }
  // 769 pages; only the tail's went through the cache.
  EXPECT_LE(resident_pages(path), 1u);
  std::string streamed = dir.path() + "/s";
  {
    AtomicFileSink sink(streamed, 0600, true, AtomicFileSink::Publish::IfAbsent);
    sink.write(pattern(3 * 1024 * 1024 + 100));
    sink.finish();
  }
  EXPECT_GT(resident_pages(streamed), 700u) << "control: a streamed object stays in the page cache";
  EXPECT_EQ(read_all(path), pattern(3 * 1024 * 1024 + 100));
}

TEST(IoStreams, AHeldObjectOnAFullDiskFailsAtFinishAndLeavesNothing) {
  test::TempDir dir;
  ErrorCode code = ErrorCode::Internal;
  {
    test::FileSizeLimit full(64 * 1024);
    AtomicFileSink sink(dir.path() + "/o", 0600, true, AtomicFileSink::Publish::IfAbsent,
                        AtomicFileSink::Hold::InMemory);
    sink.write(pattern(200000));  // held: nothing written yet
    code = code_of([&] { sink.finish(); });
  }
  EXPECT_EQ(code, ErrorCode::Io);
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(StringViewSource, ReadsTheStringInPiecesThenEnds) {
  std::string text = "manifest text, read in place";
  StringViewSource src(text);
  std::string got;
  std::array<std::byte, 5> buf{};
  while (std::size_t n = src.read(buf)) got.append(reinterpret_cast<const char*>(buf.data()), n);
  EXPECT_EQ(got, text);
  EXPECT_EQ(src.read(buf), 0u) << "stays at the end";
}

}  // namespace
}  // namespace wale::io
