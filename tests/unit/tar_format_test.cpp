// TarWriter and TarReader: round trips, raw format checks, damaged streams.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/memory_streams.h"
#include "tar/member_path.h"
#include "tar/tar_reader.h"
#include "tar/tar_writer.h"

namespace wale::tar {
namespace {

using Bytes = std::vector<std::byte>;

std::string as_string(const Bytes& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// Deterministic content: byte i of a stream is a function of i and the seed.
std::byte pattern_byte(std::uint64_t i, unsigned seed) {
  return static_cast<std::byte>((i * 2654435761u + seed * 97u + (i >> 13)) & 0xFF);
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(pattern_byte(i, seed));
  return s;
}

// A source of `size` pattern bytes, returned in uneven pieces; counts what was taken.
class PatternSource final : public io::ByteSource {
 public:
  PatternSource(std::uint64_t size, unsigned seed, std::size_t max_piece = 70001)
      : size_(size), seed_(seed), max_piece_(max_piece) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>({out.size(), size_ - pos_, max_piece_}));
    for (std::size_t i = 0; i < n; ++i) out[i] = pattern_byte(pos_ + i, seed_);
    pos_ += n;
    return n;
  }
  std::uint64_t taken() const { return pos_; }

 private:
  std::uint64_t size_;
  unsigned seed_;
  std::size_t max_piece_;
  std::uint64_t pos_ = 0;
};

// Hands out at most `piece` bytes per read (exercises the reader's refills).
class TrickleSource final : public io::ByteSource {
 public:
  TrickleSource(Bytes data, std::size_t piece) : data_(std::move(data)), piece_(piece) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = std::min({out.size(), data_.size() - pos_, piece_});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::size_t position() const { return pos_; }

 private:
  Bytes data_;
  std::size_t piece_;
  std::size_t pos_ = 0;
};

struct Member {
  Entry entry;
  std::string data;
};

std::vector<Member> read_members(io::ByteSource& source) {
  TarReader reader(source);
  std::vector<Member> out;
  std::vector<std::byte> buf(3000);  // deliberately not a multiple of 512
  while (auto e = reader.next()) {
    Member m{*e, {}};
    for (;;) {
      std::size_t n = reader.read_data(buf);
      if (n == 0) break;
      m.data.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Member> read_members(const Bytes& tar) {
  io::MemorySource source(tar);
  return read_members(source);
}

ErrorCode read_error(const Bytes& tar) {
  try {
    read_members(tar);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // "no error" shows up as a mismatch with Corrupt
}

void add_text(TarWriter& w, const std::string& name, const std::string& text, mode_t mode = 0600,
              std::int64_t mtime = 1700000000) {
  io::MemorySource src{std::string_view(text)};
  EXPECT_EQ(w.add_file(name, mode, mtime, text.size(), src), text.size());
}

TarOwner test_owner() { return TarOwner{1234, 5678, "alice", "staff"}; }

// The typeflag of every 512-byte header in a tar stream (walking sizes).
std::string typeflags(const Bytes& tar) {
  std::string flags;
  std::size_t pos = 0;
  while (pos + 512 <= tar.size()) {
    const char* h = reinterpret_cast<const char*>(tar.data() + pos);
    if (std::all_of(h, h + 512, [](char c) { return c == 0; })) break;
    std::uint64_t size = std::stoull(std::string(h + 124, 11), nullptr, 8);
    flags += h[156];
    pos += 512 + (size + 511) / 512 * 512;
  }
  return flags;
}

TEST(TarRoundTrip, DirectoriesFilesSymlinksAndLongAndUtf8Names) {
  const std::string name150 = std::string(60, 'd') + "/" + std::string(89, 'f');  // > 100: ustar prefix split
  const std::string name300 = std::string(120, 'p') + "/" + std::string(120, 'q') + "/" + std::string(58, 'r');
  const std::string utf8 = "donn\xc3\xa9\x65s/\xc3\xa9t\xc3\xa9-\xc3\x9f-\xe6\x97\xa5\xe6\x9c\xac.txt";
  const std::string big = pattern(3 * 1024 * 1024 + 17, 7);

  io::MemorySink sink;
  TarWriter w(sink, test_owner());
  w.add_directory("base", 0700, 1700000001);
  w.add_directory("base/empty/", 0750, 1700000002);
  add_text(w, "base/empty-file", "");
  add_text(w, "PG_VERSION", "15\n", 0640, 1700000003);
  {
    PatternSource src(big.size(), 7);
    EXPECT_EQ(w.add_file("base/1/16384", 0600, 1700000004, big.size(), src), big.size());
  }
  w.add_symlink("pg_wal", "/var/lib/postgresql/wal", 0777, 1700000005);
  add_text(w, name150, "one-fifty");
  add_text(w, name300, "three-hundred");
  add_text(w, utf8, "utf8");
  w.add_symlink("long-link", "/" + std::string(200, 't'), 0777, 1700000006);
  w.finish();

  EXPECT_EQ(w.bytes_written(), sink.data().size());
  EXPECT_EQ(sink.data().size() % 10240, 0u);
  EXPECT_FALSE(sink.finished());  // finish() of the writer does not finish the sink

  auto members = read_members(sink.data());
  ASSERT_EQ(members.size(), 10u);
  auto expect = [&](std::size_t i, const std::string& path, Entry::Type type, mode_t mode, std::int64_t mtime,
                    const std::string& data, const std::string& link = "") {
    SCOPED_TRACE(path);
    EXPECT_EQ(members[i].entry.path, path);
    EXPECT_EQ(members[i].entry.type, type);
    EXPECT_EQ(members[i].entry.mode, mode);
    EXPECT_EQ(members[i].entry.mtime, mtime);
    EXPECT_EQ(members[i].entry.size, type == Entry::Type::File ? data.size() : 0u);
    EXPECT_EQ(members[i].entry.link_target, link);
    EXPECT_TRUE(members[i].data == data);
  };
  expect(0, "base/", Entry::Type::Directory, 0700, 1700000001, "");
  expect(1, "base/empty/", Entry::Type::Directory, 0750, 1700000002, "");
  expect(2, "base/empty-file", Entry::Type::File, 0600, 1700000000, "");
  expect(3, "PG_VERSION", Entry::Type::File, 0640, 1700000003, "15\n");
  expect(4, "base/1/16384", Entry::Type::File, 0600, 1700000004, big);
  expect(5, "pg_wal", Entry::Type::Symlink, 0777, 1700000005, "", "/var/lib/postgresql/wal");
  expect(6, name150, Entry::Type::File, 0600, 1700000000, "one-fifty");
  expect(7, name300, Entry::Type::File, 0600, 1700000000, "three-hundred");
  expect(8, utf8, Entry::Type::File, 0600, 1700000000, "utf8");
  expect(9, "long-link", Entry::Type::Symlink, 0777, 1700000006, "", "/" + std::string(200, 't'));
}

TEST(TarRoundTrip, NamesThatAreNotUtf8KeepTheirBytes) {
  const std::string latin1 = "caf\xe9/na\xefve";  // ISO-8859-1 bytes, invalid as UTF-8
  const std::string long_latin1 = std::string(150, 'x') + "/\xff\xfe";
  io::MemorySink sink;
  TarWriter w(sink);
  add_text(w, latin1, "1");
  add_text(w, long_latin1, "2");
  w.finish();
  auto members = read_members(sink.data());
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].entry.path, latin1);
  EXPECT_EQ(members[1].entry.path, long_latin1);
}

TEST(TarRoundTrip, ReadsThroughTinySourceReads) {
  io::MemorySink sink;
  TarWriter w(sink);
  add_text(w, "a", pattern(5000, 1));
  add_text(w, std::string(180, 'n'), pattern(1, 2));
  w.finish();
  TrickleSource src(sink.data(), 7);
  auto members = read_members(src);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_TRUE(members[0].data == pattern(5000, 1));
  EXPECT_EQ(members[1].entry.path, std::string(180, 'n'));
  // The reader drains the source after the end-of-archive block (decompressor trailers get checked).
  EXPECT_EQ(src.position(), sink.data().size());
}

TEST(TarRoundTrip, PadsAShrunkenFileWithNuls) {
  io::MemorySink sink;
  TarWriter w(sink);
  PatternSource src(4000, 3, 999);
  EXPECT_EQ(w.add_file("shrank", 0600, 1, 10000, src), 4000u);
  add_text(w, "after", "next member intact");
  w.finish();
  auto members = read_members(sink.data());
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].entry.size, 10000u);
  ASSERT_EQ(members[0].data.size(), 10000u);
  EXPECT_TRUE(members[0].data.substr(0, 4000) == pattern(4000, 3));
  EXPECT_EQ(members[0].data.substr(4000), std::string(6000, '\0'));
  EXPECT_EQ(members[1].data, "next member intact");
}

TEST(TarRoundTrip, StopsAtTheDeclaredSizeOfAGrownFile) {
  io::MemorySink sink;
  TarWriter w(sink);
  PatternSource src(50000, 4);
  EXPECT_EQ(w.add_file("grew", 0600, 1, 1000, src), 1000u);
  EXPECT_EQ(src.taken(), 1000u);  // the excess is not even read
  PatternSource src2(300, 5);
  EXPECT_EQ(w.add_file("zero-declared", 0600, 1, 0, src2), 0u);
  EXPECT_EQ(src2.taken(), 0u);
  add_text(w, "after", "intact");
  w.finish();
  auto members = read_members(sink.data());
  ASSERT_EQ(members.size(), 3u);
  EXPECT_TRUE(members[0].data == pattern(1000, 4));
  EXPECT_EQ(members[1].entry.size, 0u);
  EXPECT_EQ(members[1].data, "");
  EXPECT_EQ(members[2].data, "intact");
}

TEST(TarRoundTrip, UsesPlainUstarUnlessAMemberNeedsPax) {
  io::MemorySink sink;
  TarWriter w(sink, test_owner());
  w.add_directory("global", 0700, 1700000000);
  add_text(w, "global/pg_control", "x");
  add_text(w, std::string(101, 'x') + "/" + std::string(101, 'y'), "needs a PAX path: no ustar split fits");
  add_text(w, "caf\xc3\xa9", "non-ASCII needs a PAX path");
  w.finish();
  EXPECT_EQ(typeflags(sink.data()), "50x0x0");
  const char* h = reinterpret_cast<const char*>(sink.data().data());
  EXPECT_EQ(std::string(h + 257, 6), std::string("ustar\0", 6));
  EXPECT_EQ(std::string(h + 263, 2), "00");
  EXPECT_STREQ(h + 265, "alice");
  EXPECT_STREQ(h + 297, "staff");
  EXPECT_EQ(std::stoul(std::string(h + 108, 8), nullptr, 8), 1234u);
  EXPECT_EQ(std::stoul(std::string(h + 116, 8), nullptr, 8), 5678u);
}

TEST(TarRoundTrip, DefaultOwnerIsTheCurrentProcess) {
  TarOwner me = TarOwner::current_process();
  EXPECT_EQ(me.uid, ::geteuid());
  EXPECT_EQ(me.gid, ::getegid());
  io::MemorySink sink;
  TarWriter w(sink);
  add_text(w, "f", "x");
  w.finish();
  const char* h = reinterpret_cast<const char*>(sink.data().data());
  EXPECT_EQ(std::stoul(std::string(h + 108, 7), nullptr, 8), ::geteuid());
  EXPECT_EQ(std::string(h + 265), me.uname);
}

TEST(TarRoundTrip, EmptyArchiveIsOneRecordOfZeros) {
  io::MemorySink sink;
  TarWriter w(sink);
  w.finish();
  ASSERT_EQ(sink.data().size(), 10240u);
  EXPECT_TRUE(std::all_of(sink.data().begin(), sink.data().end(), [](std::byte b) { return b == std::byte{0}; }));
  EXPECT_TRUE(read_members(sink.data()).empty());
}

TEST(TarRoundTrip, RejectsNamesThatAreNotCanonicalRelativePaths) {
  io::MemorySink sink;
  TarWriter w(sink);
  for (const std::string& bad : std::vector<std::string>{"", "/abs", "./a", "a/../b", "..", "a//b", "a/./b",
                                                         "trailing/", std::string("n\0l", 3)}) {
    SCOPED_TRACE(bad);
    io::MemorySource src("x");
    try {
      w.add_file(bad, 0600, 1, 1, src);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Internal);
    }
  }
  EXPECT_THROW(w.add_symlink("l", "", 0777, 1), Error);
  EXPECT_THROW(w.add_directory("/", 0700, 1), Error);
  // A refused name leaves the writer usable.
  add_text(w, "ok", "fine");
  w.finish();
  auto members = read_members(sink.data());
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].entry.path, "ok");
}

class FailingSink final : public io::ByteSink {
 public:
  explicit FailingSink(std::size_t allow) : allow_(allow) {}
  void write(std::span<const std::byte> data) override {
    if (written_ + data.size() > allow_) throw Error(ErrorCode::Transient, "store went away");
    written_ += data.size();
  }
  using io::ByteSink::write;
  void finish() override {}
  std::size_t written() const { return written_; }

 private:
  std::size_t allow_;
  std::size_t written_ = 0;
};

TEST(TarRoundTrip, SinkErrorsPassThroughAndBreakTheWriter) {
  FailingSink sink(20000);
  TarWriter w(sink);
  PatternSource src(100000, 1);
  try {
    w.add_file("big", 0600, 1, 100000, src);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Transient);
    EXPECT_EQ(e.message(), "store went away");
  }
  try {
    w.finish();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
  }
}

class ThrowingSource final : public io::ByteSource {
 public:
  std::size_t read(std::span<std::byte>) override { throw Error(ErrorCode::Io, "could not read file: EIO"); }
};

TEST(TarRoundTrip, ContentSourceErrorsPassThrough) {
  io::MemorySink sink;
  TarWriter w(sink);
  ThrowingSource src;
  try {
    w.add_file("f", 0600, 1, 10, src);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Io);
  }
  EXPECT_THROW(w.add_directory("d", 0700, 1), Error);
}

TEST(TarRoundTrip, AWriterDestroyedUnfinishedWritesNoEndOfArchive) {
  io::MemorySink sink;
  {
    TarWriter w(sink);
    add_text(w, "f", pattern(30000, 1));
  }
  // Whole records may have reached the sink, but never the end-of-archive
  // blocks: a reader must see a truncated stream, not a shorter archive.
  EXPECT_EQ(sink.data().size() % 10240, 0u);
  EXPECT_LT(sink.data().size(), 30000u + 512u + 1024u);
  EXPECT_EQ(read_error(sink.data()), ErrorCode::Corrupt);
}

TEST(TarRoundTrip, BytesWrittenGrowsWithTheStream) {
  io::MemorySink sink;
  TarWriter w(sink);
  EXPECT_EQ(w.bytes_written(), 0u);
  add_text(w, "a", std::string(1000, 'a'));
  EXPECT_EQ(w.bytes_written(), 512u + 1024u);
  add_text(w, "b", std::string(20000, 'b'));
  EXPECT_EQ(w.bytes_written(), 512u + 1024u + 512u + 20480u);
  w.finish();
  EXPECT_EQ(w.bytes_written(), sink.data().size());
  EXPECT_EQ(sink.data().size(), 30720u);
}

// Counts and keeps only the first bytes of a stream.
class HeadSink final : public io::ByteSink {
 public:
  void write(std::span<const std::byte> data) override {
    std::size_t keep = std::min(data.size(), head_.capacity() - head_.size());
    head_.insert(head_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(keep));
    total_ += data.size();
  }
  using io::ByteSink::write;
  void finish() override {}
  Bytes head_ = [] {
    Bytes b;
    b.reserve(4096);
    return b;
  }();
  std::uint64_t total_ = 0;
};

// A stream made of a head, then zeros, then the end-of-archive record.
class SyntheticTarSource final : public io::ByteSource {
 public:
  SyntheticTarSource(Bytes head, std::uint64_t total) : head_(std::move(head)), total_(total) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), total_ - pos_));
    std::size_t from_head = pos_ < head_.size() ? std::min<std::size_t>(n, head_.size() - pos_) : 0;
    std::memcpy(out.data(), head_.data() + pos_, from_head);
    std::memset(out.data() + from_head, 0, n - from_head);
    pos_ += n;
    return n;
  }

 private:
  Bytes head_;
  std::uint64_t total_;
  std::uint64_t pos_ = 0;
};

class ZeroSource final : public io::ByteSource {
 public:
  std::size_t read(std::span<std::byte> out) override {
    std::fill(out.begin(), out.end(), std::byte{0});
    return out.size();
  }
};

TEST(TarRoundTrip, SizeOf8GiBOrMoreUsesPaxAndReadsBack) {
  const std::uint64_t size = (8ull << 30) + 5;  // ustar's 11 octal digits stop just below 8 GiB
  HeadSink sink;
  TarWriter w(sink);
  ZeroSource zeros;
  EXPECT_EQ(w.add_file("huge", 0600, 1, size, zeros), size);
  w.finish();
  ASSERT_GE(sink.head_.size(), 1536u);
  const char* h = reinterpret_cast<const char*>(sink.head_.data());
  EXPECT_EQ(h[156], 'x');
  std::string pax(h + 512, 512);
  EXPECT_NE(pax.find("size=8589934597\n"), std::string::npos) << pax;
  EXPECT_EQ(sink.total_, w.bytes_written());

  // Read it back (the data is all zeros, so the head plus zeros is the stream).
  SyntheticTarSource source(sink.head_, sink.total_);
  TarReader reader(source);
  auto e = reader.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "huge");
  EXPECT_EQ(e->size, size);
  EXPECT_FALSE(reader.next());  // skips the 8 GiB of data
}

// ---- damaged streams ----

Bytes small_archive() {
  io::MemorySink sink;
  TarWriter w(sink);
  w.add_directory("dir", 0700, 1700000000);
  add_text(w, "dir/one", pattern(1500, 1));
  add_text(w, "dir/" + std::string(150, 'L'), pattern(700, 2));  // with a PAX header
  add_text(w, "dir/two", pattern(3, 3));
  w.finish();
  return sink.data();
}

TEST(TarReaderCorrupt, EveryCutBeforeTheEndOfArchiveBlockIsCorrupt) {
  Bytes full = small_archive();
  // Members: dir (512) + one (512+1536) + pax (1024) + long (512+1024) + two (512+512) = 6144.
  const std::size_t end_of_members = 6144;
  ASSERT_EQ(std::string(1024, '\0'),
            as_string(Bytes(full.begin() + end_of_members, full.begin() + end_of_members + 1024)));
  std::size_t tried = 0;
  for (std::size_t block = 0; block <= end_of_members; block += 512) {
    // At the block boundary (a member boundary for some), and inside the block.
    for (std::size_t offset : {0, 1, 100, 511}) {
      std::size_t cut = block + offset;
      if (cut > end_of_members) break;
      SCOPED_TRACE("cut at " + std::to_string(cut));
      Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
      EXPECT_EQ(read_error(part), ErrorCode::Corrupt);
      ++tried;
    }
  }
  EXPECT_EQ(tried, 12u * 4u + 1u);
  // With its end-of-archive blocks (even without the record padding) it is complete.
  Bytes complete(full.begin(), full.begin() + end_of_members + 1024);
  EXPECT_EQ(read_members(complete).size(), 4u);
}

TEST(TarReaderCorrupt, TruncationInsideDataIsReportedByReadData) {
  Bytes full = small_archive();
  Bytes part(full.begin(), full.begin() + 512 + 512 + 1000);  // inside dir/one's data
  io::MemorySource src(part);
  TarReader reader(src);
  ASSERT_TRUE(reader.next());
  auto e = reader.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "dir/one");
  std::vector<std::byte> buf(4096);
  try {
    while (reader.read_data(buf) > 0) {
    }
    ADD_FAILURE() << "a short member read as complete";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::Corrupt);
    EXPECT_NE(err.message().find("dir/one"), std::string::npos) << err.message();
    EXPECT_EQ(err.message().find('\n'), std::string::npos);
  }
  EXPECT_THROW(reader.next(), Error);  // broken from now on
}

TEST(TarReaderCorrupt, BadHeaderChecksumIsCorrupt) {
  Bytes full = small_archive();
  full[512 + 10] = std::byte{'X'};  // inside dir/one's name
  EXPECT_EQ(read_error(full), ErrorCode::Corrupt);
  Bytes first = small_archive();
  first[3] = std::byte{'Z'};  // the first header
  EXPECT_EQ(read_error(first), ErrorCode::Corrupt);
}

TEST(TarReaderCorrupt, MalformedPaxRecordIsCorruptNotAFallbackName) {
  // libarchive would warn and return the member under its truncated ustar name.
  Bytes tar = small_archive();
  const std::size_t pax_data = 512 + 512 + 1536 + 512;  // dir, dir/one, then the PAX header of the long name
  ASSERT_EQ(static_cast<char>(tar[pax_data + 4]), 'p') << "expected \"NNN path=...\"";
  tar[pax_data] = std::byte{'x'};  // the record length is no longer a number
  try {
    read_members(tar);
    ADD_FAILURE() << "a malformed PAX record was ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(e.message().find("pax"), std::string::npos) << e.message();
  }
}

TEST(TarReaderCorrupt, GarbageAndEmptyStreamsAreCorrupt) {
  EXPECT_EQ(read_error({}), ErrorCode::Corrupt);
  Bytes garbage(10240);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = pattern_byte(i, 9);
  EXPECT_EQ(read_error(garbage), ErrorCode::Corrupt);
  EXPECT_EQ(read_error(io::to_bytes("not a tar archive at all")), ErrorCode::Corrupt);
}

class FailAfterSource final : public io::ByteSource {
 public:
  FailAfterSource(Bytes data, std::size_t fail_at) : data_(std::move(data)), fail_at_(fail_at) {}
  std::size_t read(std::span<std::byte> out) override {
    if (pos_ >= fail_at_) throw Error(ErrorCode::Transient, "connection reset");
    std::size_t n = std::min({out.size(), data_.size() - pos_, fail_at_ - pos_});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  Bytes data_;
  std::size_t fail_at_;
  std::size_t pos_ = 0;
};

TEST(TarReaderCorrupt, SourceErrorsPassThroughUnchanged) {
  for (std::size_t at : {0u, 700u, 2600u, 6144u}) {
    SCOPED_TRACE(at);
    FailAfterSource src(small_archive(), at);
    try {
      read_members(src);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Transient);
      EXPECT_EQ(e.message(), "connection reset");
    }
  }
}

// ---- member names ----

TEST(TarMemberPath, SplitsSafeNamesAndRejectsEscapes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_member("/"), V{});
  EXPECT_EQ(split_member(""), V{});
  EXPECT_EQ(split_member("."), V{});
  EXPECT_EQ(split_member("./"), V{});
  EXPECT_EQ(split_member("//"), V{});
  EXPECT_EQ(split_member("/."), V{});
  EXPECT_EQ(split_member("./base//1/./2/"), (V{"base", "1", "2"}));
  EXPECT_EQ(split_member("a..b/..c/d.."), (V{"a..b", "..c", "d.."}));
  for (const std::string& bad :
       std::vector<std::string>{"/etc/passwd", "../x", "a/../../x", "a/..", "..", std::string("a\0b", 3)}) {
    SCOPED_TRACE(bad);
    try {
      split_member(bad);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt);
      EXPECT_NE(e.message().find("unsafe tar member"), std::string::npos);
    }
  }
  EXPECT_TRUE(is_writable_name("base/1/2", false));
  EXPECT_TRUE(is_writable_name("base/", true));
  EXPECT_FALSE(is_writable_name("base/", false));
  EXPECT_FALSE(is_writable_name("/", true));
}

// Found by fuzz_tar_reader: a GNU long-name member whose data libarchive
// returned short without an error. The header's size is the contract.
TEST(TarDamage, MemberDataShorterThanItsHeaderIsCorrupt) {
  std::ifstream in(WALE_TESTDATA_DIR "/../../fuzz/corpus/fuzz_tar_reader/regression-member-shorter-than-header",
                   std::ios::binary);
  ASSERT_TRUE(in) << "regression input missing";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  io::MemorySource source(bytes);
  TarReader reader(source);
  std::vector<std::byte> buffer(4096);
  try {
    while (auto entry = reader.next()) {
      std::uint64_t total = 0;
      while (std::size_t n = reader.read_data(buffer)) total += n;
      if (entry->type == Entry::Type::File) {
        EXPECT_EQ(total, entry->size) << entry->path;
      }
    }
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
  }
}

}  // namespace
}  // namespace wale::tar
