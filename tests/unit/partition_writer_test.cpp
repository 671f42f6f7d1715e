// Partitioning a backup and writing its tar partitions: partitions are cut
// at partition_size and never split a file; every file is stored whole, at
// its size when opened, in exactly one partition; the manifest's CRC is of the
// bytes stored; a failed upload leaves no object.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "backup/backup_plan.h"
#include "backup/partition_writer.h"
#include "codec/crc32c.h"
#include "core/error.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "store/memory/memory_store.h"
#include "tar/tar_reader.h"
#include "test_support/fake_backup_server.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::backup {
namespace {

using test::FaultInjectingStore;
using Op = FaultInjectingStore::Op;
using layout::ManifestBuilder;
using layout::parse_manifest;

Partition whole(const FileList& list) { return Partition{0, list.size(), 0}; }

std::string manifest_text(const FileList& list, const layout::ManifestWalRange& wal) {
  auto order = manifest_order(list);
  return io::read_all(*manifest_source(list, order, wal));
}

// For many shapes of plan and sizes: every entry in exactly one partition,
// in walk order; no partition empty; a partition exceeds max_bytes only when
// it holds a single file; and a partition is cut only when the next file
// would not fit (greedy: no partition is cut early).
TEST(PartitionPlan, CutsAtTheSizeAndNeverEarlyOrInsideAFile) {
  std::mt19937 rng(42);
  for (std::uint64_t max_bytes : {1ULL, 511ULL, 4096ULL, 10000ULL, 1ULL << 30}) {
    for (int round = 0; round < 20; ++round) {
      FileList entries;
      int n = static_cast<int>(rng() % 60);
      for (int i = 0; i < n; ++i) {
        PlannedEntry e;
        e.tar_name = "e" + std::to_string(i);
        switch (rng() % 4) {
          case 0: e.type = PlannedEntry::Type::Directory; break;
          case 1: e.size = 0; break;  // an empty file
          default: e.size = rng() % 12000; break;
        }
        entries.add(e);
      }
      SCOPED_TRACE("max " + std::to_string(max_bytes) + ", " + std::to_string(n) + " entries");
      auto parts = partition_plan(entries, max_bytes);
      std::vector<std::string> order;
      for (std::size_t p = 0; p < parts.size(); ++p) {
        ASSERT_FALSE(parts[p].begin == parts[p].end && n > 0) << "partition " << p << " is empty";
        std::uint64_t bytes = 0;
        int files = 0;
        for (std::size_t i = parts[p].begin; i < parts[p].end; ++i) {
          order.push_back(std::string(entries.tar_name(i)));
          bytes += entries.file_size(i);
          files += entries.file_size(i) > 0;
        }
        EXPECT_EQ(bytes, parts[p].bytes);
        if (bytes > max_bytes) {
          EXPECT_EQ(files, 1) << "partition " << p << " holds " << bytes << " bytes";
        }
        if (p + 1 < parts.size()) {
          // The next partition starts with a file that would not have fit.
          std::uint64_t next = entries.file_size(parts[p + 1].begin);
          ASSERT_GT(next, 0u) << "partition " << p + 1 << " was cut before a zero-size entry";
          EXPECT_GT(bytes + next, max_bytes) << "partition " << p << " was cut early";
        }
      }
      ASSERT_EQ(order.size(), entries.size());
      for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(order[i], entries.tar_name(i));
    }
  }
}

// Members of a stored partition: name -> data.
std::map<std::string, std::string> read_partition(store::ObjectStore& s, const std::string& key, codec::Codec c) {
  std::map<std::string, std::string> out;
  auto raw = s.get(key);
  if (!raw) throw std::runtime_error("no object " + key);
  io::FilterSource source(codec::make_decompressor(c), std::move(raw));
  tar::TarReader reader(source);
  while (auto entry = reader.next()) {
    std::string data;
    std::byte buf[4096];
    while (std::size_t n = reader.read_data(buf)) data.append(reinterpret_cast<const char*>(buf), n);
    out[entry->path] = data;
  }
  return out;
}

// `size` bytes of text: `c` and a counter, so that no two 1 KiB stretches are alike.
std::string pattern_text(std::size_t size, char c) {
  std::string out;
  for (std::size_t i = 0; out.size() < size; ++i) out += c + std::to_string(i) + "\n";
  out.resize(size);
  return out;
}

std::uint32_t crc_of(const std::string& s) {
  return codec::crc32c(std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size()));
}

// A real data directory planned, cut small and written partition by
// partition: each file is in exactly one partition, byte for byte, and the
// manifest lists it with the CRC of those bytes.
TEST(PartitionWriter, EveryFileIsStoredWholeInExactlyOnePartition) {
  test::TempDir dir;
  auto files = test::make_fake_data_directory(dir.path() + "/pgdata");
  auto plan = plan_backup(dir.path() + "/pgdata");
  auto parts = partition_plan(plan.entries, 16 * 1024);
  ASSERT_GE(parts.size(), 4u);
  store::MemoryStore s;
  std::map<std::string, int> seen;
  std::map<std::string, std::string> stored;
  PartitionStats totals;
  std::uint64_t hooked = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string key = "p/" + std::to_string(i) + ".zst";
    totals +=
        write_partition(s, key, plan.entries, parts[i], codec::Codec::Zstd, [&](std::uint64_t n) { hooked += n; });
    for (const auto& [name, data] : read_partition(s, key, codec::Codec::Zstd)) {
      ++seen[name];
      stored[name] = data;
    }
  }
  for (const auto& [rel, content] : files) {
    EXPECT_EQ(seen[rel], 1) << rel;
    EXPECT_TRUE(stored[rel] == content) << rel << " is not stored whole";
  }
  EXPECT_EQ(totals.files, files.size());
  EXPECT_EQ(hooked, plan.total_file_bytes);
  auto m = parse_manifest(manifest_text(plan.entries, {1, "0/1", "0/2"}));
  ASSERT_EQ(m.files.size(), files.size());
  for (const auto& f : m.files) {
    EXPECT_EQ(f.size, files[f.path].size()) << f.path;
    EXPECT_EQ(f.crc32c, crc_of(files[f.path])) << f.path;
  }
}

// Files change while a backup runs (WAL replay repairs them): each is
// stored at its size when opened (as pg_basebackup does); one that grows
// while it is read is cut to that size, one that shrinks while it is read is
// padded with NULs to it, one that vanished is left out; the manifest
// describes what was stored.
TEST(PartitionWriter, FilesChangedSincePlanningAreStoredAtTheirSizeWhenOpened) {
  test::TempDir dir;
  auto files = test::make_fake_data_directory(dir.path() + "/pgdata");
  std::string pg = dir.path() + "/pgdata/";
  const std::string big_a = pattern_text(600 * 1024, 'a'), big_b = pattern_text(600 * 1024, 'b');
  std::ofstream(pg + "base/5/20000") << big_a;  // more than one read
  std::ofstream(pg + "base/5/20001") << big_b;
  auto plan = plan_backup(dir.path() + "/pgdata");
  std::ofstream(pg + "base/5/16385", std::ios::app) << std::string(5000, 'g');  // grew before it was opened
  std::filesystem::resize_file(pg + "base/5/16386", 100);                       // shrank before it was opened
  std::filesystem::remove(pg + "global/1262");                                  // vanished
  // Each big file in a partition of its own, whose hook changes it after its first read.
  store::MemoryStore s;
  auto alone = [&](const std::string& name, const std::string& key, const std::function<void()>& change) {
    auto i = plan.entries.find_file(name);
    if (!i) throw std::runtime_error(name + " was not planned");
    bool changed = false;
    write_partition(s, key, plan.entries, Partition{*i, *i + 1, 0}, codec::Codec::Lz4, [&](std::uint64_t) {
      if (!changed) change();
      changed = true;
    });
    plan.entries.exclude(*i);
    return read_partition(s, key, codec::Codec::Lz4)[name];
  };
  std::string grown = alone("base/5/20000", "a.lz4",
                            [&] { std::ofstream(pg + "base/5/20000", std::ios::app) << std::string(7000, 'g'); });
  std::string shrunk =
      alone("base/5/20001", "b.lz4", [&] { std::filesystem::resize_file(pg + "base/5/20001", 100 * 1024); });
  auto stats = write_partition(s, "p.lz4", plan.entries, whole(plan.entries), codec::Codec::Lz4);
  auto stored = read_partition(s, "p.lz4", codec::Codec::Lz4);
  stored["base/5/20000"] = grown;
  stored["base/5/20001"] = shrunk;
  EXPECT_TRUE(stored["base/5/16385"] == files["base/5/16385"] + std::string(5000, 'g'));
  EXPECT_TRUE(stored["base/5/16386"] == files["base/5/16386"].substr(0, 100));
  EXPECT_TRUE(grown == big_a) << "a file that grew while read is stored at its size when opened";
  std::string padded = big_b.substr(0, 256 * 1024) + std::string(big_b.size() - 256 * 1024, '\0');
  EXPECT_TRUE(shrunk == padded) << "a file that shrank while read is NUL-padded";
  EXPECT_EQ(stored.count("global/1262"), 0u);
  EXPECT_EQ(stats.files, files.size() - 1);
  for (const auto& f : parse_manifest(manifest_text(plan.entries, {1, "0/1", "0/2"})).files) {
    ASSERT_TRUE(stored.count(f.path)) << f.path << " is in the manifest but not stored";
    EXPECT_EQ(f.size, stored[f.path].size()) << f.path;
    EXPECT_EQ(f.crc32c, crc_of(stored[f.path])) << f.path;
  }
}

// Files PostgreSQL replaces whole by a rename and never WAL-logs
// (postgresql.auto.conf after ALTER SYSTEM, pg_logical/replorigin_checkpoint
// at each checkpoint), replaced between the planning and the read: each is
// stored as one whole version -- the file opened --, never the new content
// cut or NUL-padded to the old file's size, which replay cannot repair (a
// cut setting, a config file that does not parse, a checksum PANIC).
TEST(PartitionWriter, AFileReplacedByRenameAfterPlanningIsStoredWhole) {
  test::TempDir dir;
  test::make_fake_data_directory(dir.path() + "/pgdata");
  std::string pg = dir.path() + "/pgdata/";
  std::filesystem::create_directories(pg + "pg_logical");
  std::ofstream(pg + "postgresql.auto.conf") << "# Do not edit this file manually!\nwork_mem = '4MB'\n";
  std::ofstream(pg + "pg_logical/replorigin_checkpoint") << std::string(40, 'r');
  auto plan = plan_backup(dir.path() + "/pgdata");
  const std::string longer = "# Do not edit this file manually!\nwork_mem = '4MB'\nmax_connections = '1000'\n";
  const std::string shorter = std::string(24, 's');
  std::ofstream(pg + "postgresql.auto.conf.tmp") << longer;
  std::filesystem::rename(pg + "postgresql.auto.conf.tmp", pg + "postgresql.auto.conf");
  std::ofstream(pg + "pg_logical/replorigin_checkpoint.tmp") << shorter;
  std::filesystem::rename(pg + "pg_logical/replorigin_checkpoint.tmp", pg + "pg_logical/replorigin_checkpoint");
  store::MemoryStore s;
  write_partition(s, "p.lz4", plan.entries, whole(plan.entries), codec::Codec::Lz4);
  auto stored = read_partition(s, "p.lz4", codec::Codec::Lz4);
  EXPECT_EQ(stored["postgresql.auto.conf"], longer);
  EXPECT_EQ(stored["pg_logical/replorigin_checkpoint"], shorter);
  for (const auto& f : parse_manifest(manifest_text(plan.entries, {1, "0/1", "0/2"})).files) {
    EXPECT_EQ(f.size, stored[f.path].size()) << f.path;
    EXPECT_EQ(f.crc32c, crc_of(stored[f.path])) << f.path;
  }
}

// An upload failing at any point (opening, mid-stream, at the end) throws
// the store's error and leaves no object, whole or partial.
TEST(PartitionWriter, AFailedUploadLeavesNoObject) {
  test::TempDir dir;
  test::make_fake_data_directory(dir.path() + "/pgdata");
  auto plan = plan_backup(dir.path() + "/pgdata");
  for (Op op : {Op::Put, Op::Write, Op::Finish}) {
    SCOPED_TRACE(test::to_string(op));
    store::MemoryStore base;
    FaultInjectingStore s(base);
    s.fail(op, ErrorCode::Transient);
    EXPECT_THROW(write_partition(s, "p.zst", plan.entries, whole(plan.entries), codec::Codec::Zstd), Error);
    EXPECT_FALSE(base.stat("p.zst"));
    // Only the first matching call fails: the next upload is whole.
    EXPECT_NO_THROW(write_inline_partition(s, "i.zst", {{"backup_label", "x"}}, codec::Codec::Zstd));
    EXPECT_EQ(base.object_count(), 1u);
    s.clear_faults();
    s.fail(op, ErrorCode::Transient, "*", 0);
    EXPECT_THROW(write_partition(s, "q.zst", plan.entries, whole(plan.entries), codec::Codec::Zstd), Error);
    EXPECT_THROW(write_inline_partition(s, "r.zst", {{"backup_label", "x"}}, codec::Codec::Zstd), Error);
    EXPECT_FALSE(base.stat("q.zst"));
    EXPECT_FALSE(base.stat("r.zst"));
  }
}

TEST(PartitionWriter, InlinePartitionHoldsTheGivenFilesAndManifestEntriesMatch) {
  store::MemoryStore s;
  std::vector<InlineFile> meta{{"backup_label", "START WAL LOCATION: 0/2000028\n"}, {"tablespace_map", "16389 /ts\n"}};
  auto stats = write_inline_partition(s, "p.lzo", meta, codec::Codec::Lzop);
  EXPECT_EQ(stats.files, 2u);
  auto stored = read_partition(s, "p.lzo", codec::Codec::Lzop);
  EXPECT_EQ(stored["backup_label"], meta[0].content);
  EXPECT_EQ(stored["tablespace_map"], meta[1].content);
  auto e = manifest_entry("backup_label", meta[0].content, 7);
  EXPECT_EQ(e.size, meta[0].content.size());
  EXPECT_EQ(e.crc32c, crc_of(meta[0].content));
}

// The manifest rendered from the file list as a stream (backup-push never
// holds its text) is byte for byte what ManifestBuilder renders for the same
// files: sorted by path, only the files stored, with the recorded CRCs; an
// inline file opened from it is stored whole.
TEST(PartitionWriter, StreamedManifestIsTheBuildersText) {
  FileList list("/data");
  ManifestBuilder builder;
  for (int i = 0; i < 5000; ++i) {
    PlannedEntry e;
    e.type = i % 9 == 0 ? PlannedEntry::Type::Directory : PlannedEntry::Type::File;
    e.tar_name = "base/" + std::to_string((i * 7919) % 5000) + (i % 13 == 0 ? "\"q\\uote" : "");
    e.size = static_cast<std::uint64_t>(i) * 3;
    e.mtime = 1700000000 + i % 5;
    list.add(e);
    if (e.type == PlannedEntry::Type::File && i % 17 != 0) {  // every 17th: vanished, not stored
      std::uint32_t crc = static_cast<std::uint32_t>(i) * 2654435761u;
      list.record(list.size() - 1, crc);
      builder.add({e.tar_name, e.size, e.mtime, crc});
    }
  }
  layout::ManifestWalRange wal{3, "0/5000028", "0/6000100"};
  std::string streamed = manifest_text(list, wal);
  EXPECT_EQ(streamed, builder.render(wal));
  EXPECT_GT(streamed.size(), 64u * 1024 * 2);  // several pieces
  auto m = parse_manifest(streamed);
  EXPECT_EQ(m.files.size(), manifest_order(list).size());

  store::MemoryStore s;
  auto order = manifest_order(list);
  std::vector<InlineFile> meta;
  meta.push_back({"backup_manifest", {}, [&] { return manifest_source(list, order, wal); }, streamed.size()});
  write_inline_partition(s, "m.zst", meta, codec::Codec::Zstd);
  EXPECT_TRUE(read_partition(s, "m.zst", codec::Codec::Zstd)["backup_manifest"] == streamed);
}

}  // namespace
}  // namespace wale::backup
