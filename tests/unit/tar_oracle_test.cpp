// The tar module against real tools and real WAL-E output:
// GNU tar reads what TarWriter writes; TarReader reads what GNU tar writes;
// a partition written by WAL-E (Python tarfile, PAX) reads and extracts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/memory_streams.h"
#include "tar/safe_extractor.h"
#include "tar/tar_reader.h"
#include "tar/tar_writer.h"
#include "test_support/temp_dir.h"

namespace wale::tar {
namespace {

namespace fs = std::filesystem;

std::string quote(const std::string& s) { return "'" + s + "'"; }  // test paths hold no quotes

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << data;
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 9)) & 0xFF);
  return s;
}

// Reads the stdout of a command (pclose status checked by close()).
class PipeSource final : public io::ByteSource {
 public:
  explicit PipeSource(const std::string& command) : pipe_(::popen(command.c_str(), "r")) {}
  ~PipeSource() override {
    if (pipe_ != nullptr) ::pclose(pipe_);
  }
  std::size_t read(std::span<std::byte> out) override {
    if (pipe_ == nullptr) throw Error(ErrorCode::Io, "popen failed");
    std::size_t n = std::fread(out.data(), 1, out.size(), pipe_);
    if (n == 0 && std::ferror(pipe_)) throw Error(ErrorCode::Io, "pipe read failed");
    return n;
  }
  int close() {
    int st = ::pclose(pipe_);
    pipe_ = nullptr;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

 private:
  FILE* pipe_;
};

struct Member {
  Entry entry;
  std::string data;
};

std::map<std::string, Member> read_by_path(io::ByteSource& source, std::vector<std::string>* order = nullptr) {
  TarReader reader(source);
  std::map<std::string, Member> out;
  std::vector<std::byte> buf(65536);
  while (auto e = reader.next()) {
    Member m{*e, {}};
    for (std::size_t n; (n = reader.read_data(buf)) > 0;) m.data.append(reinterpret_cast<const char*>(buf.data()), n);
    if (order) order->push_back(e->path);
    out[e->path] = std::move(m);
  }
  return out;
}

// ---- GNU tar reads our archives ----

const std::string kLong = std::string(90, 'a') + "/" + std::string(90, 'b') + "/" + std::string(90, 'c');  // 272
const std::string kUtf8 = "d\xc3\xa9j\xc3\xa0/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt";

std::vector<std::byte> our_archive() {
  io::MemorySink sink;
  TarWriter w(sink, TarOwner{1234, 5678, "alice", "staff"});
  w.add_directory("global", 0700, 1700000000);
  auto add = [&](const std::string& name, const std::string& data, std::uint64_t declared, mode_t mode) {
    io::MemorySource src = io::MemorySource(std::string_view(data));
    w.add_file(name, mode, 1700000100, declared, src);
  };
  add("PG_VERSION", "15\n", 3, 0640);
  add("global/pg_control", pattern(8192, 1), 8192, 0600);
  add("base/1/1259", pattern(2 * 1024 * 1024 + 3, 2), 2 * 1024 * 1024 + 3, 0600);
  add("empty", "", 0, 0600);
  add("shrunk", "abc", 1000, 0600);           // NUL-padded to 1000
  add("grown", pattern(5000, 3), 100, 0600);  // cut at 100
  add(kLong, "long name", 9, 0600);
  add(kUtf8, "utf8 name", 9, 0600);
  w.add_symlink("pg_wal", "/srv/wal/15", 0777, 1700000200);
  w.add_symlink("long-link", "/" + std::string(150, 'T'), 0777, 1700000200);
  w.finish();
  return sink.data();
}

TEST(TarGnuOracle, GnuTarListsOurArchiveWithoutWarnings) {
  test::TempDir tmp;
  std::string tar_path = tmp.path() + "/ours.tar";
  auto bytes = our_archive();
  write_file(tar_path, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));

  auto list = run("tar --quoting-style=literal -tf " + quote(tar_path));
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_EQ(list.output, "global/\nPG_VERSION\nglobal/pg_control\nbase/1/1259\nempty\nshrunk\ngrown\n" + kLong + "\n" +
                             kUtf8 + "\npg_wal\nlong-link\n");

  auto verbose = run("tar --quoting-style=literal -tvf " + quote(tar_path));
  ASSERT_EQ(verbose.status, 0) << verbose.output;
  EXPECT_EQ(verbose.output.find("tar:"), std::string::npos) << verbose.output;  // no warnings
  // "-rw-r----- alice/staff       3 2023-11-14 22:15 PG_VERSION": mode, owner, size.
  auto fields = [&](const std::string& name) {
    std::istringstream lines(verbose.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() > name.size() &&
          line.compare(line.size() - name.size() - 1, std::string::npos, " " + name) == 0) {
        std::istringstream words(line);
        std::string mode, owner, size;
        words >> mode >> owner >> size;
        return mode + " " + owner + " " + size;
      }
    }
    return std::string("(not listed)");
  };
  EXPECT_EQ(fields("PG_VERSION"), "-rw-r----- alice/staff 3");
  EXPECT_EQ(fields("shrunk"), "-rw------- alice/staff 1000");
  EXPECT_EQ(fields("grown"), "-rw------- alice/staff 100");
  EXPECT_EQ(fields("global/"), "drwx------ alice/staff 0");
  EXPECT_NE(verbose.output.find("pg_wal -> /srv/wal/15"), std::string::npos) << verbose.output;
  EXPECT_NE(verbose.output.find("long-link -> /" + std::string(150, 'T')), std::string::npos);
}

TEST(TarGnuOracle, GnuTarExtractsOurArchive) {
  test::TempDir tmp;
  std::string tar_path = tmp.path() + "/ours.tar";
  auto bytes = our_archive();
  write_file(tar_path, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  fs::path out = fs::path(tmp.path()) / "out";
  fs::create_directories(out);
  auto x = run("tar --no-same-owner -xf " + quote(tar_path) + " -C " + quote(out.string()));
  ASSERT_EQ(x.status, 0) << x.output;
  EXPECT_EQ(x.output, "");

  EXPECT_EQ(read_file(out / "PG_VERSION"), "15\n");
  EXPECT_EQ(read_file(out / "global/pg_control"), pattern(8192, 1));
  EXPECT_EQ(read_file(out / "base/1/1259"), pattern(2 * 1024 * 1024 + 3, 2));
  EXPECT_EQ(fs::file_size(out / "empty"), 0u);
  EXPECT_EQ(read_file(out / "shrunk"), "abc" + std::string(997, '\0'));
  EXPECT_EQ(read_file(out / "grown"), pattern(100, 3));
  EXPECT_EQ(read_file(out / kLong), "long name");
  EXPECT_EQ(read_file(out / kUtf8), "utf8 name");
  EXPECT_EQ(fs::read_symlink(out / "pg_wal"), "/srv/wal/15");
  EXPECT_EQ(fs::read_symlink(out / "long-link"), "/" + std::string(150, 'T'));
  struct stat st {};
  ASSERT_EQ(::stat((out / "PG_VERSION").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtime, 1700000100);
}

// ---- we read GNU tar's archives ----

struct TreeCase {
  const char* format;
  bool long_names;  // beyond ustar's 100+155 split, and link targets > 100
};

void PrintTo(const TreeCase& c, std::ostream* os) { *os << c.format; }

class TarReadsGnuTar : public ::testing::TestWithParam<TreeCase> {};

TEST_P(TarReadsGnuTar, AllMembersWithTheirData) {
  const TreeCase tc = GetParam();
  test::TempDir tmp;
  fs::path src = fs::path(tmp.path()) / "src";
  std::map<std::string, std::string> files = {
      {"PG_VERSION", "15\n"}, {"base/1/1259", pattern(300000, 4)},
      {"base/1/empty", ""},   {"global/pg_control", pattern(8192, 5)},
      {kUtf8, "utf8"},        {std::string(95, 'p') + "/" + std::string(99, 'n'), "split into prefix and name"},
  };
  if (tc.long_names) files[kLong + "/" + std::string(100, 'z')] = "long";
  for (const auto& [name, data] : files) write_file(src / name, data);
  fs::create_directories(src / "pg_replslot");
  std::string link_target = tc.long_names ? "/" + std::string(140, 'L') : "/srv/wal";
  fs::create_symlink(link_target, src / "pg_wal");
  struct timespec times[2] = {{1700000000, 123456789}, {1700000000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (src / "PG_VERSION").c_str(), times, 0), 0);

  std::string tar_path = tmp.path() + "/gnu.tar";
  auto made =
      run(std::string("tar --format=") + tc.format + " -cf " + quote(tar_path) + " -C " + quote(src.string()) + " .");
  ASSERT_EQ(made.status, 0) << made.output;

  io::MemorySource source(io::to_bytes(read_file(tar_path)));
  auto members = read_by_path(source);
  ASSERT_TRUE(members.count("./"));
  EXPECT_EQ(members["./"].entry.type, Entry::Type::Directory);
  for (const auto& [name, data] : files) {
    SCOPED_TRACE(name);
    auto it = members.find("./" + name);
    ASSERT_NE(it, members.end());
    EXPECT_EQ(it->second.entry.type, Entry::Type::File);
    EXPECT_EQ(it->second.entry.size, data.size());
    EXPECT_TRUE(it->second.data == data);
  }
  ASSERT_TRUE(members.count("./pg_wal"));
  EXPECT_EQ(members["./pg_wal"].entry.type, Entry::Type::Symlink);
  EXPECT_EQ(members["./pg_wal"].entry.link_target, link_target);
  ASSERT_TRUE(members.count("./pg_replslot/"));
  EXPECT_EQ(members["./pg_replslot/"].entry.type, Entry::Type::Directory);
  EXPECT_EQ(members["./PG_VERSION"].entry.mtime, 1700000000);
  if (std::string(tc.format) == "pax") {
    EXPECT_EQ(members["./PG_VERSION"].entry.mtime_nsec, 123456789);
  }

  // And our extractor restores the same tree from it.
  fs::path dest = fs::path(tmp.path()) / "dest";
  fs::create_directories(dest);
  io::MemorySource again(io::to_bytes(read_file(tar_path)));
  TarReader reader(again);
  SafeExtractor extractor(dest.string(), {});
  extractor.extract(reader);
  extractor.finish();
  for (const auto& [name, data] : files) EXPECT_EQ(read_file(dest / name), data) << name;
  EXPECT_EQ(fs::read_symlink(dest / "pg_wal"), link_target);
  EXPECT_EQ(extractor.files_written(), files.size());
}

INSTANTIATE_TEST_SUITE_P(TarFormats, TarReadsGnuTar,
                         ::testing::Values(TreeCase{"gnu", true}, TreeCase{"pax", true}, TreeCase{"ustar", false},
                                           TreeCase{"oldgnu", true}),
                         [](const auto& info) { return std::string(info.param.format); });

TEST(TarGnuHardLinks, AreReportedAsHardLinks) {
  test::TempDir tmp;
  fs::path src = fs::path(tmp.path()) / "src";
  write_file(src / "a", "data");
  fs::create_hard_link(src / "a", src / "b");
  std::string tar_path = tmp.path() + "/links.tar";
  auto made = run("tar -cf " + quote(tar_path) + " -C " + quote(src.string()) + " a b");
  ASSERT_EQ(made.status, 0) << made.output;
  io::MemorySource source(io::to_bytes(read_file(tar_path)));
  auto members = read_by_path(source);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members["a"].entry.type, Entry::Type::File);
  EXPECT_EQ(members["b"].entry.type, Entry::Type::Hardlink);
  EXPECT_EQ(members["b"].entry.link_target, "a");
}

// ---- a partition written by WAL-E ----

const std::string kWalEPartition = std::string(WALE_TESTDATA_DIR) +
                                   "/wal-e-archive/basebackups_005/base_000000010000000000000030_00000030/"
                                   "tar_partitions/part_00000000.tar.lzo";

TEST(TarWalEFixture, ReadsEveryMemberOfAWalEPartition) {
  ASSERT_TRUE(fs::exists(kWalEPartition));
  PipeSource source("lzop -dc " + quote(kWalEPartition));
  std::vector<std::string> order;
  auto members = read_by_path(source, &order);
  EXPECT_EQ(source.close(), 0);

  ASSERT_EQ(order.size(), 992u);
  EXPECT_EQ(order[0], "/");  // WAL-E's first member is the data directory itself
  EXPECT_EQ(members["/"].entry.type, Entry::Type::Directory);
  std::size_t dirs = 0, files = 0, fractional = 0;
  for (const auto& [path, m] : members) {
    if (m.entry.type == Entry::Type::Directory) ++dirs;
    if (m.entry.type == Entry::Type::File) {
      ++files;
      EXPECT_EQ(m.data.size(), m.entry.size) << path;
    }
    if (m.entry.mtime_nsec != 0) ++fractional;
  }
  EXPECT_EQ(dirs, 25u);
  EXPECT_EQ(files, 967u);
  EXPECT_GT(fractional, 900u);  // tarfile's PAX "mtime=1795502065.700014" records
  EXPECT_EQ(members["PG_VERSION"].data, "15\n");
  EXPECT_EQ(members["global/pg_control"].entry.size, 8192u);
  EXPECT_EQ(members["PG_VERSION"].entry.mode, 0600u);
}

TEST(TarWalEFixture, ExtractsAWalEPartition) {
  test::TempDir tmp;
  fs::path target = fs::path(tmp.path()) / "pgdata";
  fs::create_directories(target);
  ::chmod(target.c_str(), 0755);  // the "/" member carries the data directory's 0700

  PipeSource source("lzop -dc " + quote(kWalEPartition));
  TarReader reader(source);
  SafeExtractor extractor(target.string(), {});
  extractor.extract(reader);
  EXPECT_EQ(source.close(), 0);
  extractor.finish();

  EXPECT_EQ(read_file(target / "PG_VERSION"), "15\n");
  ASSERT_TRUE(fs::is_regular_file(target / "global/pg_control"));
  EXPECT_EQ(fs::file_size(target / "global/pg_control"), 8192u);
  EXPECT_TRUE(fs::is_directory(target / "pg_wal"));
  EXPECT_TRUE(fs::is_empty(target / "pg_wal"));
  EXPECT_EQ(extractor.files_written(), 967u);
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat((target / "PG_VERSION").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_GT(st.st_mtim.tv_sec, 1700000000);
  std::size_t on_disk = 0;
  for (const auto& e : fs::recursive_directory_iterator(target)) on_disk += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(on_disk, 967u);
}

}  // namespace
}  // namespace wale::tar
