// SafeExtractor: what it writes, and that hostile archives never write outside the target.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/stop_token.h"
#include "io/memory_streams.h"
#include "tar/safe_extractor.h"
#include "tar/tar_reader.h"
#include "tar/tar_writer.h"
#include "test_support/temp_dir.h"

namespace wale::tar {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---- raw tar building, independent of the code under test ----

void put_octal(std::string& h, std::size_t at, std::size_t width, std::uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
  std::memcpy(&h[at], buf, width - 1);
  h[at + width - 1] = '\0';
}

std::string raw_header(const std::string& name, char type, std::uint64_t size, const std::string& link = "",
                       unsigned mode = 0644, std::int64_t mtime = 1700000000) {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(h, 100, 8, mode);
  put_octal(h, 108, 8, 0);
  put_octal(h, 116, 8, 0);
  put_octal(h, 124, 12, size);
  put_octal(h, 136, 12, static_cast<std::uint64_t>(mtime));
  h[156] = type;
  std::memcpy(&h[157], link.data(), std::min<std::size_t>(link.size(), 100));
  std::memcpy(&h[257],
              "ustar\0"
              "00",
              8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  std::memcpy(&h[148], chk, 6);
  h[154] = '\0';
  h[155] = ' ';
  return h;
}

std::string padded(const std::string& data) { return data + std::string((512 - data.size() % 512) % 512, '\0'); }

class RawTar {
 public:
  RawTar& file(const std::string& name, const std::string& data, unsigned mode = 0644) {
    out_ += raw_header(name, '0', data.size(), "", mode) + padded(data);
    return *this;
  }
  RawTar& dir(const std::string& name, unsigned mode = 0755) {
    out_ += raw_header(name, '5', 0, "", mode);
    return *this;
  }
  RawTar& symlink(const std::string& name, const std::string& target) {
    out_ += raw_header(name, '2', 0, target, 0777);
    return *this;
  }
  RawTar& hardlink(const std::string& name, const std::string& target) {
    out_ += raw_header(name, '1', 0, target);
    return *this;
  }
  RawTar& special(const std::string& name, char type) {
    out_ += raw_header(name, type, 0);
    return *this;
  }
  // A PAX extended header whose path record replaces the next member's name.
  RawTar& pax_path(const std::string& path) {
    std::string body = " path=" + path + "\n";
    std::size_t len = body.size();
    std::string record;
    for (;;) {
      record = std::to_string(len) + body;
      if (record.size() == len) break;
      len = record.size();
    }
    out_ += raw_header("././@PaxHeader", 'x', record.size()) + padded(record);
    return *this;
  }
  std::string bytes() const { return out_ + std::string(1024, '\0'); }

 private:
  std::string out_;
};

// A target and an "outside" directory that must stay empty.
class TarSafeExtract : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(target_);
    fs::create_directories(outside_);
  }

  void extract(const std::string& tar_bytes, const std::vector<TablespaceMapping>& mappings = {}) {
    io::MemorySource source(tar_bytes);
    TarReader reader(source);
    SafeExtractor extractor(target_.string(), mappings);
    extractor.extract(reader);
    extractor.finish();
  }

  // Extraction must fail with Corrupt, and nothing may appear outside the target.
  void expect_rejected(const std::string& tar_bytes, const std::string& member) {
    try {
      extract(tar_bytes);
      ADD_FAILURE() << "hostile archive was extracted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
      EXPECT_NE(e.message().find(member), std::string::npos) << e.message();
      EXPECT_EQ(e.message().find('\n'), std::string::npos);
    }
    expect_nothing_outside();
  }

  void expect_nothing_outside() {
    EXPECT_TRUE(fs::is_empty(outside_)) << "something was written outside the target";
    std::vector<std::string> top;
    for (const auto& e : fs::directory_iterator(tmp_.path())) top.push_back(e.path().filename().string());
    std::sort(top.begin(), top.end());
    EXPECT_EQ(top, (std::vector<std::string>{"outside", "target"}));
  }

  test::TempDir tmp_;
  fs::path target_ = fs::path(tmp_.path()) / "target";
  fs::path outside_ = fs::path(tmp_.path()) / "outside";
};

TEST_F(TarSafeExtract, RejectsAnAbsolutePath) {
  expect_rejected(RawTar().file((outside_ / "pwned").string(), "x").bytes(), "pwned");
  expect_rejected(RawTar().file("/etc-not-really", "x").bytes(), "/etc-not-really");
}

TEST_F(TarSafeExtract, RejectsDotDot) {
  expect_rejected(RawTar().file("../outside/pwned", "x").bytes(), "../outside/pwned");
  expect_rejected(RawTar().dir("a").file("a/../../outside/pwned", "x").bytes(), "a/../../outside/pwned");
  expect_rejected(RawTar().dir("../outside/newdir").bytes(), "../outside/newdir");
  expect_rejected(RawTar().symlink("../outside/link", "/etc").bytes(), "../outside/link");
}

TEST_F(TarSafeExtract, RejectsALongDotDotPathFromAPaxRecord) {
  std::string evil = std::string(120, 'a') + "/../../outside/pwned";
  expect_rejected(RawTar().pax_path(evil).file("harmless", "x").bytes(), "../../outside/pwned");
}

TEST_F(TarSafeExtract, NeverWritesThroughASymlinkAnEarlierMemberMade) {
  expect_rejected(RawTar().symlink("evil", outside_.string()).file("evil/pwned", "x").bytes(), "evil/pwned");
  EXPECT_TRUE(fs::is_symlink(target_ / "evil"));  // made, but never followed
}

TEST_F(TarSafeExtract, NeverCreatesDirectoriesThroughASymlink) {
  expect_rejected(RawTar().symlink("evil", outside_.string()).dir("evil/sub").bytes(), "evil/sub");
  expect_rejected(RawTar().symlink("evil2", outside_.string()).file("evil2/sub/deeper/pwned", "x").bytes(),
                  "evil2/sub/deeper/pwned");
}

TEST_F(TarSafeExtract, NeverFollowsARelativeSymlinkUpwards) {
  expect_rejected(RawTar().symlink("up", "..").file("up/outside/pwned", "x").bytes(), "up/outside/pwned");
  expect_rejected(RawTar().dir("d").symlink("d/up", "../..").file("d/up/outside/pwned", "x").bytes(),
                  "d/up/outside/pwned");
}

TEST_F(TarSafeExtract, RejectsHardLinks) {
  expect_rejected(RawTar().hardlink("h", "/etc/passwd").bytes(), "\"h\"");
  expect_rejected(RawTar().hardlink("h2", "../outside/x").bytes(), "\"h2\"");
  expect_rejected(RawTar().file("a", "x").hardlink("b", "a").bytes(), "\"b\"");
}

TEST_F(TarSafeExtract, RejectsSpecialFiles) {
  expect_rejected(RawTar().special("fifo", '6').bytes(), "fifo");
  expect_rejected(RawTar().special("dev", '3').bytes(), "dev");
}

TEST_F(TarSafeExtract, TheRootMemberMustBeADirectory) {
  expect_rejected(RawTar().file("/", "x").bytes(), "\"/\"");
  expect_rejected(RawTar().symlink(".", outside_.string()).bytes(), "\".\"");
}

TEST_F(TarSafeExtract, NeverWritesThroughASymlinkAlreadyInTheTarget) {
  fs::create_directory_symlink(outside_, target_ / "link");
  expect_rejected(RawTar().file("link/pwned", "x").bytes(), "link/pwned");
  expect_rejected(RawTar().dir("link/sub").bytes(), "link/sub");
  EXPECT_TRUE(fs::is_symlink(target_ / "link"));
}

TEST_F(TarSafeExtract, ReplacesAnExistingSymlinkAtAFilesOwnPath) {
  std::ofstream(outside_ / "victim") << "original";
  fs::create_symlink(outside_ / "victim", target_ / "f");
  fs::create_directory_symlink(outside_, target_ / "d");
  fs::create_symlink(outside_ / "victim", target_ / "l");
  extract(RawTar().file("f", "replaced").dir("d").file("d/inner", "in").symlink("l", "elsewhere").bytes());
  EXPECT_EQ(read_file(outside_ / "victim"), "original");
  EXPECT_FALSE(fs::is_symlink(target_ / "f"));
  EXPECT_EQ(read_file(target_ / "f"), "replaced");
  EXPECT_FALSE(fs::is_symlink(target_ / "d"));
  EXPECT_EQ(read_file(target_ / "d/inner"), "in");
  EXPECT_EQ(fs::read_symlink(target_ / "l"), "elsewhere");
  fs::remove(outside_ / "victim");
  expect_nothing_outside();
}

TEST_F(TarSafeExtract, ReplacesAnExistingHardLinkInsteadOfWritingIntoIt) {
  std::ofstream(outside_ / "victim") << "original";
  fs::create_hard_link(outside_ / "victim", target_ / "f");
  extract(RawTar().file("f", "replaced").bytes());
  EXPECT_EQ(read_file(outside_ / "victim"), "original");
  EXPECT_EQ(read_file(target_ / "f"), "replaced");
}

TEST_F(TarSafeExtract, ADirectoryInTheWayOfAFileIsRejected) {
  expect_rejected(RawTar().dir("x").file("x/child", "c").file("x", "file over dir").bytes(), "\"x\"");
  expect_rejected(RawTar().dir("y").symlink("y", "/tmp").bytes(), "\"y\"");
}

TEST_F(TarSafeExtract, RestoresFilesDirectoriesSymlinksModesAndTimes) {
  io::MemorySink sink;
  {
    TarWriter w(sink);
    w.add_directory("base", 0750, 1600000000);
    w.add_directory("ro", 0500, 1600000001);
    auto add = [&](const std::string& name, const std::string& data, mode_t mode) {
      io::MemorySource src = io::MemorySource(std::string_view(data));
      w.add_file(name, mode, 1600000100, data.size(), src);
    };
    add("base/1259", "rel", 0600);
    add("base/world", "ww", 0666);         // group/world write dropped
    add("base/setuid", "su", 04755);       // setuid dropped
    add("implicit/parents/f", "p", 0644);  // parents created 0700
    add("ro/inside", "i", 0400);           // a read-only directory still gets filled
    add("empty", "", 0600);
    w.add_symlink("pg_wal", outside_.string(), 0777, 1600000200);  // kept as a link, never followed
    w.finish();
  }
  io::MemorySource source(sink.data());
  TarReader reader(source);
  SafeExtractor extractor(target_.string(), {});
  extractor.extract(reader);
  EXPECT_EQ(extractor.files_written(), 6u);
  EXPECT_EQ(extractor.bytes_written(), 3u + 2 + 2 + 1 + 1 + 0);
  extractor.finish();

  auto mode_of = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  };
  auto mtime_of = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec);
  };
  EXPECT_EQ(read_file(target_ / "base/1259"), "rel");
  EXPECT_EQ(mode_of(target_ / "base"), 0750u);
  EXPECT_EQ(mtime_of(target_ / "base"), 1600000000);  // restored after its children were written
  EXPECT_EQ(mode_of(target_ / "base/1259"), 0600u);
  EXPECT_EQ(mtime_of(target_ / "base/1259"), 1600000100);
  EXPECT_EQ(mode_of(target_ / "base/world"), 0644u);
  EXPECT_EQ(mode_of(target_ / "base/setuid"), 0755u);
  EXPECT_EQ(mode_of(target_ / "implicit"), 0700u);
  EXPECT_EQ(mode_of(target_ / "ro"), 0500u);
  EXPECT_EQ(mtime_of(target_ / "ro"), 1600000001);
  EXPECT_EQ(read_file(target_ / "ro/inside"), "i");
  EXPECT_EQ(mode_of(target_ / "ro/inside"), 0400u);
  EXPECT_EQ(fs::file_size(target_ / "empty"), 0u);
  EXPECT_EQ(fs::read_symlink(target_ / "pg_wal"), outside_);
  EXPECT_EQ(mtime_of(target_ / "pg_wal"), 1600000200);
  ::chmod((target_ / "ro").c_str(), 0700);  // let TempDir clean up as a non-root user too
  expect_nothing_outside();
}

// Large files are written by the writer thread, whole chunks with O_DIRECT
// when asked for (backup-fetch asks), the tail through the page cache: the
// same bytes, mode and mtime either way; small files never go direct.
TEST_F(TarSafeExtract, LargeFilesGoAroundThePageCacheWithTheSameBytes) {
  const std::size_t big = 3 * SafeExtractor::kDirectMin + 1234;
  std::string data(big, '\0');
  for (std::size_t i = 0; i < big; ++i) data[i] = static_cast<char>((i * 7919) >> 5);
  const std::string tar = RawTar()
                              .file("base/big", data, 0640)
                              .file("base/small", "s")
                              .file("base/aligned", std::string(2 * SafeExtractor::kDirectMin, 'x'))
                              .bytes();
  for (bool direct : {false, true}) {
    SCOPED_TRACE(direct ? "direct" : "page cache");
    fs::remove_all(target_);
    fs::create_directories(target_);
    io::MemorySource source(tar);
    TarReader reader(source);
    SafeExtractor extractor(target_.string(), {});
    extractor.use_direct_io(direct);
    extractor.extract(reader);
    extractor.finish();
    EXPECT_EQ(read_file(target_ / "base/big"), data);
    EXPECT_EQ(read_file(target_ / "base/small"), "s");
    EXPECT_EQ(read_file(target_ / "base/aligned"), std::string(2 * SafeExtractor::kDirectMin, 'x'));
    struct stat st {};
    ASSERT_EQ(::stat((target_ / "base/big").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
    EXPECT_EQ(extractor.files_written(), 3u);
    // tmpfs before Linux 6.6 refuses O_DIRECT: then the page cache, same bytes
    int probe = ::open((target_ / "probe").c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
    bool fs_direct = probe >= 0;
    if (probe >= 0) ::close(probe);
    EXPECT_EQ(extractor.direct_files(), direct && fs_direct ? 2u : 0u);
  }
  expect_nothing_outside();
}

TEST_F(TarSafeExtract, WalERootMemberAndDotPrefixesMapToTheTarget) {
  ::chmod(target_.c_str(), 0755);
  extract(RawTar().dir("/", 0700).dir("./", 0700).file("./a/b", "ab").file(".//c", "c").dir(".").bytes());
  EXPECT_EQ(read_file(target_ / "a/b"), "ab");
  EXPECT_EQ(read_file(target_ / "c"), "c");
  struct stat st {};
  ASSERT_EQ(::stat(target_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(TarSafeExtract, TablespaceMembersGoToTheMappedDirectory) {
  fs::path ts = fs::path(tmp_.path()) / "ts16389";
  fs::path ts2 = fs::path(tmp_.path()) / "ts16390";
  fs::create_directories(ts);
  fs::create_directories(ts2);
  std::vector<TablespaceMapping> mappings = {{"pg_tblspc/16389", ts.string()}, {"pg_tblspc/16390/", ts2.string()}};
  std::string tar_bytes = RawTar()
                              .dir("/", 0700)
                              .dir("pg_tblspc")
                              .dir("pg_tblspc/16389", 0700)
                              .dir("pg_tblspc/16389/PG_15_202209061")
                              .file("pg_tblspc/16389/PG_15_202209061/5/16390", "relation")
                              .file("pg_tblspc/16390/PG_15_202209061/5/16391", "other")
                              .file("pg_tblspc/163890/not-mapped", "prefix match is per component")
                              .file("base/1/1259", "root")
                              .bytes();
  io::MemorySource source(tar_bytes);
  TarReader reader(source);
  SafeExtractor extractor(target_.string(), mappings);
  extractor.extract(reader);
  extractor.finish();
  EXPECT_EQ(read_file(ts / "PG_15_202209061/5/16390"), "relation");
  EXPECT_EQ(read_file(ts2 / "PG_15_202209061/5/16391"), "other");
  EXPECT_EQ(read_file(target_ / "pg_tblspc/163890/not-mapped"), "prefix match is per component");
  EXPECT_EQ(read_file(target_ / "base/1/1259"), "root");
  EXPECT_FALSE(fs::exists(target_ / "pg_tblspc/16389"));
  EXPECT_FALSE(fs::exists(target_ / "pg_tblspc/16390"));
  EXPECT_EQ(extractor.files_written(), 4u);
  EXPECT_TRUE(fs::is_empty(outside_));
}

TEST_F(TarSafeExtract, ATablespaceMappingCannotBeReplacedByALink) {
  fs::path ts = fs::path(tmp_.path()) / "ts";
  fs::create_directories(ts);
  io::MemorySource source(RawTar().symlink("pg_tblspc/16389", "/etc").bytes());
  TarReader reader(source);
  SafeExtractor extractor(target_.string(), {{"pg_tblspc/16389", ts.string()}});
  try {
    extractor.extract(reader);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
  }
  EXPECT_TRUE(fs::is_empty(ts));
  fs::remove(ts);
}

TEST_F(TarSafeExtract, BadMappingsAreUsageErrors) {
  auto code = [&](const std::vector<TablespaceMapping>& m) {
    try {
      SafeExtractor x(target_.string(), m);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;
  };
  EXPECT_EQ(code({{"../pg_tblspc/1", "/tmp"}}), ErrorCode::Usage);
  EXPECT_EQ(code({{"/pg_tblspc/1", "/tmp"}}), ErrorCode::Usage);
  EXPECT_EQ(code({{"", "/tmp"}}), ErrorCode::Usage);
  EXPECT_EQ(code({{"pg_tblspc/1", "relative/dir"}}), ErrorCode::Usage);
  EXPECT_EQ(code({{"pg_tblspc/1", "/tmp"}, {"pg_tblspc/1/", "/tmp"}}), ErrorCode::Usage);
  EXPECT_EQ(code({{"pg_tblspc/1", (outside_ / "missing").string()}}), ErrorCode::NotFound);
  try {
    SafeExtractor x((outside_ / "missing").string(), {});
    ADD_FAILURE() << "a missing root was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

TEST_F(TarSafeExtract, SeveralPartitionsIntoOneTarget) {
  io::MemorySource p1(RawTar().dir("/", 0700).dir("base").file("base/a", "1").bytes());
  io::MemorySource p2(RawTar().file("base/b", "22").file("global/pg_control", "ctl").bytes());
  TarReader r1(p1);
  TarReader r2(p2);
  SafeExtractor extractor(target_.string(), {});
  extractor.extract(r1);
  extractor.extract(r2);
  extractor.finish();
  EXPECT_EQ(extractor.files_written(), 3u);
  EXPECT_EQ(extractor.bytes_written(), 6u);
  EXPECT_EQ(read_file(target_ / "base/a"), "1");
  EXPECT_EQ(read_file(target_ / "base/b"), "22");
  EXPECT_EQ(read_file(target_ / "global/pg_control"), "ctl");
}

TEST_F(TarSafeExtract, ConcurrentExtractorsShareATarget) {
  // As backup-fetch does: one extractor per partition, in parallel, same parents.
  constexpr int kStreams = 4;
  constexpr int kFiles = 200;
  std::vector<std::string> archives;
  for (int s = 0; s < kStreams; ++s) {
    RawTar t;
    if (s == 0) t.dir("/", 0700).dir("base", 0700);
    for (int f = 0; f < kFiles; ++f) {
      t.file("base/" + std::to_string(f % 7) + "/sub/" + std::to_string(s) + "_" + std::to_string(f),
             std::to_string(s * 1000 + f));
    }
    archives.push_back(t.bytes());
  }
  std::vector<std::unique_ptr<SafeExtractor>> extractors;
  std::vector<std::string> errors(kStreams);
  std::vector<std::thread> threads;
  for (int s = 0; s < kStreams; ++s) {
    extractors.push_back(std::make_unique<SafeExtractor>(target_.string(), std::vector<TablespaceMapping>{}));
    threads.emplace_back([&, s] {
      try {
        io::MemorySource source(archives[s]);
        TarReader reader(source);
        extractors[s]->extract(reader);
      } catch (const Error& e) {
        errors[s] = e.message();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& x : extractors) x->finish();
  for (int s = 0; s < kStreams; ++s) {
    EXPECT_EQ(errors[s], "") << s;
    EXPECT_EQ(extractors[s]->files_written(), static_cast<std::uint64_t>(kFiles));
    for (int f = 0; f < kFiles; f += 37) {
      EXPECT_EQ(read_file(target_ / "base" / std::to_string(f % 7) / "sub" /
                          (std::to_string(s) + "_" + std::to_string(f))),
                std::to_string(s * 1000 + f));
    }
  }
}

TEST_F(TarSafeExtract, ATruncatedPartitionIsCorruptNotAShortFile) {
  std::string full = RawTar().file("a", std::string(3000, 'a')).file("b", "bbb").bytes();
  for (std::size_t cut :
       {std::size_t{100}, std::size_t{512 + 1000}, std::size_t{512 + 3072}, std::size_t{512 + 3072 + 512}}) {
    SCOPED_TRACE(cut);
    io::MemorySource source(full.substr(0, cut));
    TarReader reader(source);
    SafeExtractor extractor(target_.string(), {});
    try {
      extractor.extract(reader);
      ADD_FAILURE() << "truncated archive extracted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    }
  }
}

// A hostile archive must not open the restored data directory to others
// (PostgreSQL then refuses to start): the root and tablespace directories end
// 0700 whatever their members say.
TEST_F(TarSafeExtract, RootAndTablespaceDirectoriesEnd0700WhateverTheArchiveSays) {
  fs::path ts = fs::path(tmp_.path()) / "ts16389";
  fs::create_directories(ts);
  for (const char* root : {"./", "/", "."}) {
    fs::remove_all(target_);
    fs::create_directories(target_);
    ::chmod(target_.c_str(), 0700);
    ::chmod(ts.c_str(), 0700);
    extract(RawTar().dir(root, 0755).dir("pg_tblspc/16389", 0755).file("a", "a").bytes(),
            {{"pg_tblspc/16389", ts.string()}});
    struct stat st {};
    ASSERT_EQ(::stat(target_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << "root member " << root;
    ASSERT_EQ(::stat(ts.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << "tablespace member";
  }
}

// A ByteSource over a string that requests the process stop once `after` bytes were read.
class StopAfterSource final : public io::ByteSource {
 public:
  StopAfterSource(std::string data, std::size_t after) : data_(std::move(data)), after_(after) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = std::min(out.size(), std::min<std::size_t>(data_.size() - pos_, 64 * 1024));
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    if (pos_ >= after_) process_stop_token().request(SIGTERM);
    return n;
  }

 private:
  std::string data_;
  std::size_t pos_ = 0;
  std::size_t after_;
};

TEST_F(TarSafeExtract, StopsBetweenMembersAndWithinAFileOnStopRequest) {
  struct Reset {
    ~Reset() { process_stop_token().reset(); }
  } reset;
  RawTar many;
  for (int i = 0; i < 200; ++i) many.file("f" + std::to_string(i), std::string(4096, 'x'));
  std::string tar_bytes = many.bytes();
  {  // between members: the stop lands after about 10 members were read
    StopAfterSource source(tar_bytes, 10 * 4608);
    TarReader reader(source);
    SafeExtractor extractor(target_.string(), {});
    try {
      extractor.extract(reader);
      ADD_FAILURE() << "extraction ignored the stop request";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Cancelled) << e.message();
      EXPECT_EQ(e.message(), "interrupted by SIGTERM");
    }
    EXPECT_LT(extractor.files_written(), 50u);
  }
  process_stop_token().reset();
  fs::remove_all(target_);
  fs::create_directories(target_);
  {  // within one large file: stops after the chunk that saw the request
    std::string big = RawTar().file("big", std::string(16 << 20, 'y')).bytes();
    StopAfterSource source(big, 2 << 20);
    TarReader reader(source);
    SafeExtractor extractor(target_.string(), {});
    EXPECT_THROW(extractor.extract(reader), Error);
    EXPECT_EQ(extractor.files_written(), 0u);
    EXPECT_LT(fs::file_size(target_ / "big"), 8u << 20);
  }
  expect_nothing_outside();
}

TEST_F(TarSafeExtract, RenamedMemberIsWrittenUnderItsTemporaryName) {
  std::string tar_bytes = RawTar().dir("global").file("global/pg_control", "control").file("./global/x", "x").bytes();
  io::MemorySource source(tar_bytes);
  TarReader reader(source);
  SafeExtractor extractor(target_.string(), {});
  extractor.rename_member("global/pg_control", ".pg_control.tmp");
  extractor.extract(reader);
  extractor.finish();
  EXPECT_FALSE(fs::exists(target_ / "global/pg_control"));
  EXPECT_EQ(read_file(target_ / "global/.pg_control.tmp"), "control");
  EXPECT_EQ(read_file(target_ / "global/x"), "x");
  EXPECT_THROW(extractor.rename_member("../x", "y"), Error);
  EXPECT_THROW(extractor.rename_member("global/pg_control", "a/b"), Error);
}

}  // namespace
}  // namespace wale::tar
