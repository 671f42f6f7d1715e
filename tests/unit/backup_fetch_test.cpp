// backup-fetch against damaged and failing storage, without PostgreSQL: a
// backup is made by backup-push with a FakeBackupServer into the memory
// store, then restored through FaultInjectingStore. A damaged backup must
// fail with Error{Corrupt} naming what is wrong, a storage failure must keep
// its own code, and neither may leave a directory PostgreSQL would start.
#include <gtest/gtest.h>
#include <lz4frame.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>

#include "backup/backup_fetch.h"
#include "backup/backup_push.h"
#include "core/error.h"
#include "core/stop_token.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "layout/archive_layout.h"
#include "store/memory/memory_store.h"
#include "test_support/fake_backup_server.h"
#include "test_support/fake_clock.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::backup {
namespace {

using test::FaultInjectingStore;
using Op = FaultInjectingStore::Op;
namespace fs = std::filesystem;

constexpr const char* kMarker = ".wal-e-restore-in-progress";

bool empty_dir(const std::string& dir) { return fs::is_directory(dir) && fs::is_empty(dir); }

class BackupFetchTest : public ::testing::Test {
 protected:
  // big > 0: also a relation file of `big` bytes (base/5/16400).
  void make_backup(codec::Codec c, std::size_t big = 0) {
    codec = c;
    test::make_fake_data_directory(dir.path() + "/pgdata");
    if (big > 0) {
      std::string data(big, '\0');
      for (std::size_t i = 0; i < big; ++i) data[i] = static_cast<char>((i * 7919) >> 6);
      std::ofstream(dir.path() + "/pgdata/base/5/16400", std::ios::binary) << data;
    }
    test::FakeBackupServer server(base, dir.path() + "/pgdata");
    server.wal_codec = c;
    BackupPushOptions opts;
    opts.data_directory = dir.path() + "/pgdata";
    opts.partition_size = 16 * 1024;
    opts.codec = c;
    name = backup_push(base, opts, server, std::make_shared<test::FakeClock>()).name;
    target = dir.path() + "/restore";
  }
  BackupFetchResult fetch(store::ObjectStore& s, const std::string& into) {
    BackupFetchOptions fo;
    fo.target = into;
    fo.query = layout::BackupQuery::parse("LATEST");
    return backup_fetch(s, fo);
  }
  std::string part(std::uint32_t n) const { return layout::partition_key(name, n, codec); }
  // The bytes of partition n that matter: the whole object when compressed;
  // for a plain tar, up to the end of its last member (the end-of-archive
  // blocks and the record padding after it carry nothing).
  std::uint64_t meaningful_size(std::uint32_t n) {
    std::string bytes = *store::get_bytes(base, part(n));
    if (codec != codec::Codec::None) return bytes.size();
    std::size_t last = bytes.find_last_not_of('\0');
    return last == std::string::npos ? 0 : (last / 512 + 1) * 512;
  }
  // Restores through `faults`, expects `code`, and checks the target was
  // emptied (no pg_control, no marker) and a clean rerun into it succeeds.
  Error expect_failed_restore(ErrorCode code) {
    Error caught(ErrorCode::Internal, "no error");
    try {
      fetch(faults, target);
      ADD_FAILURE() << "the restore succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << to_string(e.code()) << ": " << e.message() << " -- " << e.detail();
      caught = e;
    }
    EXPECT_TRUE(empty_dir(target)) << "a failed restore left files in the target";
    faults.clear_faults();
    EXPECT_NO_THROW(fetch(faults, target));
    EXPECT_TRUE(fs::exists(target + "/global/pg_control"));
    EXPECT_FALSE(fs::exists(target + "/" + kMarker));
    fs::remove_all(target);
    return caught;
  }

  test::TempDir dir;
  store::MemoryStore base;
  FaultInjectingStore faults{base};
  codec::Codec codec = codec::Codec::Zstd;
  layout::BackupName name;
  std::string target;
};

class BackupFetch : public BackupFetchTest, public ::testing::WithParamInterface<codec::Codec> {
 protected:
  void SetUp() override {
    process_stop_token().reset();
    make_backup(GetParam());
  }
  void TearDown() override { process_stop_token().reset(); }
};

// Relation files are written with O_DIRECT (whole chunks; the rest through
// the page cache) where the file system allows it: the same bytes.
TEST_F(BackupFetchTest, LargeFilesAreRestoredAroundThePageCache) {
  make_backup(codec::Codec::Lz4, 5 * 1024 * 1024 + 8192 + 100);
  BackupFetchResult r = fetch(base, target);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_TRUE(slurp(target + "/base/5/16400") == slurp(dir.path() + "/pgdata/base/5/16400"));
  EXPECT_EQ(slurp(target + "/base/5/16384"), slurp(dir.path() + "/pgdata/base/5/16384"));
  // Where the file system refuses O_DIRECT the same bytes come through the
  // page cache (checked above) and nothing counts as direct.
  int probe = ::open((target + "/probe").c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
  bool direct_ok = probe >= 0;
  if (direct_ok) ::close(probe);
  EXPECT_EQ(r.direct_files, direct_ok ? 1u : 0u) << "only the file of at least 1 MiB goes direct";
}

// The largest partitions are restored first (one worker: in that order).
TEST_F(BackupFetchTest, TheLargestPartitionsGoFirst) {
  make_backup(codec::Codec::Lz4, 3 * 1024 * 1024);
  std::vector<std::pair<std::uint64_t, std::string>> stored;
  base.list(layout::partitions_prefix(name), [&](const store::ObjectInfo& o) { stored.emplace_back(o.size, o.key); });
  ASSERT_GE(stored.size(), 3u);
  std::stable_sort(stored.begin(), stored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  ASSERT_NE(stored.front().second, part(0)) << "the test needs a largest partition that is not the first";
  std::vector<std::string> got;
  faults.on_get = [&](const std::string& key) {
    if (key.find("/tar_partitions/") != std::string::npos) got.push_back(key);
  };
  BackupFetchOptions fo;
  fo.target = target;
  fo.query = layout::BackupQuery::parse("LATEST");
  fo.pool_size = 1;
  backup_fetch(faults, fo);
  std::vector<std::string> expected;
  for (const auto& s : stored) expected.push_back(s.second);
  EXPECT_EQ(got, expected);
}

// lz4 partitions are read with get_verified_by_reader (the store may skip its
// own digest: the decoder checks every byte against the frame's content
// checksum); partitions of other codecs keep the store's check (get). Damage
// on the first path is still refused, by the decoder.
TEST_P(BackupFetch, OnlyPartitionsWhoseDecoderVerifiesEveryByteSkipTheStoresDigest) {
  std::mutex m;
  std::vector<std::string> verified, plain;
  faults.on_get_verified_by_reader = [&](const std::string& key) {
    std::lock_guard lock(m);
    verified.push_back(key);
  };
  faults.on_get = [&](const std::string& key) {
    std::lock_guard lock(m);
    if (key.find("/tar_partitions/") != std::string::npos) plain.push_back(key);
  };
  fetch(faults, target);
  fs::remove_all(target);
  const bool verifying = GetParam() == codec::Codec::Lz4 || GetParam() == codec::Codec::Zstd;
  if (verifying) {
    EXPECT_GE(verified.size(), 3u);
    EXPECT_EQ(std::find(verified.begin(), verified.end(), part(0)) != verified.end(), true);
  } else {
    EXPECT_TRUE(verified.empty()) << verified.front();
    EXPECT_GE(plain.size(), 3u);
  }
  for (const auto& k : verified) EXPECT_NE(k.find("/tar_partitions/"), std::string::npos) << k;
  faults.on_get = nullptr;
  faults.on_get_verified_by_reader = nullptr;
  if (!verifying) return;  // their damage: ACorruptPartitionFailsAsCorruptAndEmptiesTheTarget
  // A flipped byte at a few places of the first partition (magic, data, checksum): refused.
  auto size = meaningful_size(0);
  for (std::uint64_t at : {std::uint64_t{1}, size / 3, size - 3}) {
    SCOPED_TRACE("damaged at " + std::to_string(at) + " of " + std::to_string(size));
    faults.corrupt_reads(part(0), at);
    expect_failed_restore(ErrorCode::Corrupt);
  }
}

// A partition written without content checksums (`lz4 --no-frame-crc`, other
// tools: valid lz4) is restored, read with the store's own check (get), not
// refused for lacking what only wal-e promises to write.
TEST_F(BackupFetchTest, APartitionWithoutContentChecksumIsReadWithTheStoresCheck) {
  make_backup(codec::Codec::Lz4);
  std::string packed = *store::get_bytes(base, part(0));
  io::FilterSource plain(codec::make_decompressor(codec::Codec::Lz4),
                         std::make_unique<io::MemorySource>(io::to_bytes(packed)));
  std::string tar = io::read_all(plain);
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  std::string bare(LZ4F_compressFrameBound(tar.size(), &prefs), '\0');
  std::size_t n = LZ4F_compressFrame(bare.data(), bare.size(), tar.data(), tar.size(), &prefs);
  ASSERT_FALSE(LZ4F_isError(n));
  bare.resize(n);
  ASSERT_EQ(std::to_integer<int>(io::to_bytes(bare)[4]) & 0x04, 0) << "the test needs a frame without the flag";
  const std::string key = part(0);
  base.remove(std::span<const std::string>(&key, 1));
  store::put_bytes(base, key, bare);

  // FaultInjectingStore's get_verified_by_reader goes through its get(): a
  // plain read is a get() without a get_verified_by_reader() before it.
  std::map<std::string, int> plain_reads;
  std::mutex m;
  faults.on_get_verified_by_reader = [&](const std::string& key) {
    std::lock_guard lock(m);
    --plain_reads[key];
  };
  faults.on_get = [&](const std::string& key) {
    std::lock_guard lock(m);
    ++plain_reads[key];
  };
  ASSERT_NO_THROW(fetch(faults, target));
  EXPECT_TRUE(fs::exists(target + "/global/pg_control"));
  EXPECT_EQ(plain_reads[part(0)], 1) << "the partition without checksums was not read with the store's check";
  EXPECT_EQ(plain_reads[part(1)], 0) << "a partition with checksums was read with the store's check";
}

TEST_P(BackupFetch, ACorruptPartitionFailsAsCorruptAndEmptiesTheTarget) {
  faults.corrupt_reads(part(0), meaningful_size(0) / 2);
  Error e = expect_failed_restore(ErrorCode::Corrupt);
  if (GetParam() != codec::Codec::None) {
    // Compressed: the codec's check fails while streaming, naming the object.
    EXPECT_NE(e.detail().find(part(0)), std::string::npos) << e.detail();
  }
}

TEST_P(BackupFetch, ATruncatedPartitionFailsAsCorruptAndEmptiesTheTarget) {
  auto size = meaningful_size(0);
  for (std::uint64_t keep : {std::uint64_t{0}, size / 2, size - 1}) {
    SCOPED_TRACE("kept " + std::to_string(keep) + " of " + std::to_string(size));
    faults.truncate_reads(part(0), keep);
    expect_failed_restore(ErrorCode::Corrupt);
  }
}

// An uncompressed tar cut at any block boundary -- between members too, or
// right after the last one -- is never restored as a shorter backup.
TEST_F(BackupFetchTest, AnUncompressedPartitionCutAtAnyBlockFails) {
  make_backup(codec::Codec::None);
  auto size = meaningful_size(1);
  ASSERT_GT(size, 4096u);
  for (std::uint64_t keep = 0; keep <= size; keep += 512) {
    SCOPED_TRACE("kept " + std::to_string(keep) + " of " + std::to_string(size));
    faults.clear_faults();
    faults.truncate_reads(part(1), keep);
    try {
      fetch(faults, target);
      ADD_FAILURE() << "restored a cut partition";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    }
    ASSERT_TRUE(empty_dir(target));
  }
  // Only the record padding after the end-of-archive blocks missing: fine.
  faults.clear_faults();
  faults.truncate_reads(part(1), size + 1024);
  EXPECT_NO_THROW(fetch(faults, target));
}

TEST_P(BackupFetch, AStorageFailureMidRestoreKeepsItsCodeAndEmptiesTheTarget) {
  faults.fail(Op::Read, ErrorCode::Transient, part(1), 1);
  expect_failed_restore(ErrorCode::Transient);
  faults.fail(Op::Get, ErrorCode::Remote, "*/tar_partitions/*", 2);
  expect_failed_restore(ErrorCode::Remote);
}

TEST_P(BackupFetch, AMissingPartitionIsCorruptAndTouchesNothing) {
  std::vector<std::string> gone{part(1)};
  base.remove(gone);
  try {
    fetch(faults, target);
    FAIL() << "restored a backup with a partition missing";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(e.message().find("missing tar partition 1"), std::string::npos) << e.message();
  }
  EXPECT_FALSE(fs::exists(target));
}

// Until the very end the target holds the in-progress marker and no
// global/pg_control, so a restore killed at any point (SIGKILL: no clean-up)
// leaves a directory PostgreSQL will not start and backup-fetch refuses.
TEST_P(BackupFetch, AnInterruptedRestoreIsNeverStartableAndIsRefused) {
  int snapshots = 0;
  faults.on_get = [&](const std::string& key) {
    if (key.find("/tar_partitions/") == std::string::npos) return;
    std::string snap = dir.path() + "/killed" + std::to_string(snapshots++);
    fs::copy(target, snap, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    EXPECT_TRUE(fs::exists(snap + "/" + kMarker)) << key;
    EXPECT_FALSE(fs::exists(snap + "/global/pg_control")) << key;
  };
  auto result = fetch(faults, target);
  EXPECT_GT(result.files, 0u);
  ASSERT_GT(snapshots, 2);
  EXPECT_TRUE(fs::exists(target + "/global/pg_control"));
  EXPECT_FALSE(fs::exists(target + "/" + kMarker));
  faults.on_get = nullptr;
  try {
    fetch(faults, dir.path() + "/killed1");
    FAIL() << "restored into the leftovers of an interrupted restore";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
    EXPECT_NE(e.message().find("did not finish"), std::string::npos) << e.message();
  }
}

// Descriptors this process has open.
std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// While alive, this process may open only `limit` descriptors (RLIMIT_NOFILE).
class OpenFileLimit {
 public:
  explicit OpenFileLimit(rlim_t limit) {
    if (::getrlimit(RLIMIT_NOFILE, &old_) != 0) throw std::runtime_error("getrlimit failed");
    struct rlimit low = old_;
    low.rlim_cur = limit;
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) throw std::runtime_error("setrlimit failed");
  }
  ~OpenFileLimit() { ::setrlimit(RLIMIT_NOFILE, &old_); }
  OpenFileLimit(const OpenFileLimit&) = delete;
  OpenFileLimit& operator=(const OpenFileLimit&) = delete;

 private:
  struct rlimit old_ {};
};

// Each partition had its own extractor, and each held a descriptor of the
// target (and of every tablespace directory) until the end of the restore: a
// backup of more partitions than the open-file limit (1024 by default; 1 TiB
// in 1 GiB partitions) failed with "Too many open files". Only the
// partitions being restored at once may hold descriptors.
TEST_F(BackupFetchTest, ABackupOfMorePartitionsThanTheOpenFileLimitIsRestored) {
  std::string pgdata = dir.path() + "/pgdata";
  fs::create_directories(pgdata + "/base/5");
  for (int i = 0; i < 150; ++i) {
    std::ofstream(pgdata + "/base/5/" + std::to_string(20000 + i), std::ios::binary)
        << std::string(17 * 1024, static_cast<char>('a' + i % 26));
  }
  make_backup(codec::Codec::Lz4);  // 16 KiB partitions: one per file
  std::size_t partitions = 0;
  base.list(layout::partitions_prefix(name), [&](const store::ObjectInfo&) { ++partitions; });
  ASSERT_GE(partitions, 150u);
  BackupFetchOptions fo;
  fo.target = target;
  fo.query = layout::BackupQuery::parse("LATEST");
  fo.pool_size = 2;
  {
    OpenFileLimit limit(open_descriptors() + 64);
    try {
      backup_fetch(base, fo);
    } catch (const Error& e) {
      ADD_FAILURE() << "the restore of " << partitions << " partitions failed: " << e.message() << " -- " << e.detail();
    }
  }
  EXPECT_TRUE(fs::exists(target + "/global/pg_control"));
  EXPECT_FALSE(fs::exists(target + "/" + kMarker));
  for (int i : {0, 77, 149}) {
    std::ifstream in(target + "/base/5/" + std::to_string(20000 + i), std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(in)), {});
    EXPECT_TRUE(got == std::string(17 * 1024, static_cast<char>('a' + i % 26))) << "base/5/" << 20000 + i;
  }
}

// A tablespace goes where --restore-spec says, behind a link in
// pg_tblspc; a failed restore removes the tablespace directory it created,
// empties one that existed (empty) before, and touches nothing else -- not
// the tablespace's original location.
TEST_F(BackupFetchTest, TablespacesGoWhereTheSpecSaysAndAreCleanedOnFailure) {
  std::string pgdata = dir.path() + "/pgdata";
  std::string orig = dir.path() + "/ts_orig";
  fs::create_directories(orig + "/PG_15_202209061/16384");
  std::ofstream(orig + "/PG_15_202209061/16384/16390", std::ios::binary) << std::string(20000, 't');
  fs::create_directories(pgdata + "/pg_tblspc");
  fs::create_directory_symlink(orig, pgdata + "/pg_tblspc/16389");
  make_backup(codec::Codec::Zstd);
  std::string moved = dir.path() + "/ts_new";
  std::string spec = dir.path() + "/spec.json";
  std::ofstream(spec) << R"({"base_prefix": "/x/", "tablespaces": ["16389"], "16389": {"loc": ")" + moved +
                             R"(/", "link": "pg_tblspc/16389"}})";
  auto restore = [&](store::ObjectStore& s) {
    BackupFetchOptions fo;
    fo.target = target;
    fo.query = layout::BackupQuery::parse("LATEST");
    fo.restore_spec = spec;
    return backup_fetch(s, fo);
  };
  std::uint32_t last = 0;
  base.list(layout::partitions_prefix(name),
            [&](const store::ObjectInfo& o) { last = *layout::partition_number(o.key); });

  faults.corrupt_reads(part(last - 1), 100);  // a data partition fails
  EXPECT_THROW(restore(faults), Error);
  EXPECT_TRUE(empty_dir(target));
  EXPECT_FALSE(fs::exists(moved)) << "a tablespace directory the restore created was left behind";
  fs::create_directory(moved);
  EXPECT_THROW(restore(faults), Error);
  EXPECT_TRUE(empty_dir(moved)) << "a tablespace directory that existed was not emptied";

  faults.clear_faults();
  restore(faults);
  EXPECT_TRUE(fs::is_symlink(target + "/pg_tblspc/16389"));
  EXPECT_EQ(fs::read_symlink(target + "/pg_tblspc/16389").string(), moved);
  std::ifstream in(moved + "/PG_15_202209061/16384/16390", std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(data, std::string(20000, 't'));
  EXPECT_FALSE(fs::exists(moved + "/" + kMarker));
  EXPECT_FALSE(fs::exists(target + "/tablespace_map"));
  // The original location is as it was: one file, never written.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(orig)) ++entries;
  EXPECT_EQ(entries, 3u);
}

// LATEST whose sentinel is damaged: the restore fails as Corrupt and
// touches nothing; it does not fall back to something else.
TEST_P(BackupFetch, ADamagedSentinelIsCorruptAndTouchesNothing) {
  std::string sentinel = layout::sentinel_key(name);
  for (int fault = 0; fault < 2; ++fault) {
    SCOPED_TRACE(fault);
    faults.clear_faults();
    if (fault == 0) faults.truncate_reads(sentinel, 10);
    if (fault == 1) faults.corrupt_reads(sentinel, 0);
    try {
      fetch(faults, target);
      ADD_FAILURE() << "restored with a damaged sentinel";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    }
    EXPECT_FALSE(fs::exists(target));
  }
}

// SIGTERM during a restore: Error{Cancelled} saying the target was emptied,
// and it is.
TEST_P(BackupFetch, AStopRequestEmptiesTheTarget) {
  int gets = 0;
  faults.on_get = [&](const std::string& key) {
    if (key.find("/tar_partitions/") != std::string::npos && ++gets == 2) process_stop_token().request(SIGTERM);
  };
  try {
    fetch(faults, target);
    ADD_FAILURE() << "the restore ignored the stop request";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
    EXPECT_NE(e.detail().find("empty again"), std::string::npos) << e.detail();
  }
  process_stop_token().reset();
  EXPECT_TRUE(empty_dir(target));
}

INSTANTIATE_TEST_SUITE_P(Codecs, BackupFetch,
                         ::testing::Values(codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::Lzop,
                                           codec::Codec::None),
                         [](const auto& info) { return std::string(codec::codec_name(info.param)); });

}  // namespace
}  // namespace wale::backup
