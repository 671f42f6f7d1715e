#include "catalog/backup_verify.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "archive/wal_archive.h"
#include "codec/crc32c.h"
#include "core/error.h"
#include "core/number.h"
#include "exec/task_group.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "layout/archive_layout.h"
#include "layout/backup_manifest.h"
#include "pg/lsn.h"
#include "pg/timeline_history.h"
#include "tar/tar_reader.h"

namespace wale::catalog {
namespace {

struct SeenFile {
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
  bool listed = false;  // named by the manifest (a flag, not a second set of a million paths)
};

}  // namespace

BackupVerifyReport verify_backup(store::ObjectStore& store, const BackupInfo& backup, unsigned pool_size) {
  BackupVerifyReport report;
  report.backup = backup.name.str();
  const layout::Sentinel* sentinel = backup.sentinel ? &*backup.sentinel : nullptr;

  // Partitions: present, numbered without gaps, as many as the sentinel says.
  std::vector<PartitionObject> parts = list_partitions(store, backup.name);
  report.partitions = parts.size();
  std::uint32_t expected_parts =
      sentinel && sentinel->partition_count ? *sentinel->partition_count : static_cast<std::uint32_t>(parts.size());
  std::set<std::uint32_t> have;
  for (const auto& p : parts) have.insert(p.number);
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(expected_parts, parts.empty() ? 0 : parts.back().number + 1);
       ++i) {
    if (!have.count(i)) {
      report.problems.push_back({store.describe(layout::partition_key(backup.name, i, codec::Codec::Zstd)).substr(0),
                                 "tar partition " + std::to_string(i) + " is missing"});
    }
  }
  if (parts.empty())
    report.problems.push_back({store.describe(layout::partitions_prefix(backup.name)), "no tar partitions"});

  // The manifest is read and parsed before the partitions are scanned, so
  // that its text is freed before the map of every file is built (the
  // peak of a backup of many files); its problems are reported below.
  std::optional<layout::Manifest> manifest;
  std::optional<std::string> manifest_problem;
  {
    auto text = store::get_bytes(store, layout::backup_manifest_key(backup.name));
    if (text) {
      report.has_manifest = true;
      try {
        manifest = layout::parse_manifest(*text);
      } catch (const Error& e) {
        manifest_problem = e.message();
      }
    }
  }

  // Every file of every partition, checksummed while streaming.
  std::map<std::string, SeenFile> seen;
  std::mutex mu;  // guards seen, report.problems and report.bytes (partition workers)
  {
    exec::TaskGroup group(std::max(1u, pool_size));
    for (const auto& [number, key, size] : parts) {
      group.run([&, key = key] {
        std::map<std::string, SeenFile> local;
        std::uint64_t bytes = 0;
        try {
          auto raw = store.get(key);
          if (!raw) throw Error(ErrorCode::Corrupt, "object vanished");
          io::FilterSource source(codec::make_decompressor(codec::codec_from_key(key)), std::move(raw));
          tar::TarReader reader(source);
          while (auto e = reader.next()) {
            if (e->type != tar::Entry::Type::File) continue;
            auto sum = codec::crc32c_of_stream([&](std::span<std::byte> buf) { return reader.read_data(buf); });
            local[e->path] = SeenFile{sum.size, sum.crc};
            bytes += sum.size;
          }
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Corrupt && e.code() != ErrorCode::NotFound) throw;
          std::lock_guard lock(mu);
          report.problems.push_back({store.describe(key), e.message()});
          return;
        }
        std::lock_guard lock(mu);
        report.bytes += bytes;
        for (auto& [path, f] : local) {
          if (!seen.emplace(path, f).second) report.problems.push_back({path, "stored twice"});
        }
      });
    }
    group.wait();
  }
  report.files = seen.size();

  // The manifest: every file present with its size and checksum, nothing extra.
  if (report.has_manifest) {
    if (manifest_problem) {
      report.problems.push_back({store.describe(layout::backup_manifest_key(backup.name)), *manifest_problem});
    } else {
      for (const auto& f : manifest->files) {
        auto it = seen.find(f.path);
        if (it != seen.end()) it->second.listed = true;
        if (it == seen.end()) {
          report.problems.push_back({f.path, "in the manifest but in no tar partition"});
        } else if (it->second.size != f.size) {
          report.problems.push_back({f.path, fmt::format("size {} but the manifest says {}", it->second.size, f.size)});
        } else if (f.crc32c && *f.crc32c != it->second.crc) {
          report.problems.push_back({f.path, "checksum mismatch: the file's content is damaged"});
        }
      }
      for (const auto& [path, f] : seen) {
        if (!f.listed && path != "backup_manifest" && path != "tablespace_map") {
          report.problems.push_back({path, "in a tar partition but not in the manifest"});
        }
      }
    }
  } else {
    report.notes.push_back(
        "no backup_manifest (a WAL-E backup?): file checksums not verified, only that every "
        "partition decompresses and parses");
    if (sentinel && sentinel->file_count && *sentinel->file_count != seen.size()) {
      report.problems.push_back({report.backup, fmt::format("{} files in the partitions, the sentinel says {}",
                                                            seen.size(), *sentinel->file_count)});
    }
  }

  // WAL from the start to the consistency point.
  if (sentinel && sentinel->while_offline.value_or(false)) {
    report.notes.push_back(
        "offline backup: the WAL up to its consistency point is inside the backup (pg_wal), "
        "checked with the files");
  } else if (sentinel && !sentinel->format.empty() && !sentinel->wal_segment_backup_stop.empty()) {
    std::uint64_t seg_size = sentinel->segment_size ? *sentinel->segment_size : pg::kDefaultSegmentSize;
    auto first = pg::WalSegment::parse(backup.name.segment, seg_size);
    auto last = pg::WalSegment::parse(sentinel->wal_segment_backup_stop, seg_size);
    if (first && last && last->segno >= first->segno) {
      // Only the logs the range spans are listed, not all of wal_005/.
      archive::WalArchive wal(store, codec::Codec::Zstd, seg_size);
      report.wal_segments = last->segno - first->segno + 1;
      for (const auto& s : wal.missing_segments(*first, *last)) {
        report.problems.push_back({store.describe(layout::wal_key(s.file_name(), codec::Codec::None)),
                                   "WAL needed to make the backup consistent is missing"});
      }
    }
  } else {
    report.notes.push_back("WAL range not checked: the sentinel does not record it reliably (WAL-E)");
  }
  return report;
}

archive::WalVerifyReport verify_wal(store::ObjectStore& store, std::optional<std::uint64_t> segment_size_given) {
  auto backups = list_backups(store, false);
  std::uint64_t segment_size = pg::kDefaultSegmentSize;
  if (segment_size_given) {
    segment_size = *segment_size_given;
  } else if (!backups.empty()) {
    auto newest = std::max_element(backups.begin(), backups.end(),
                                   [](const auto& a, const auto& b) { return a.modified < b.modified; });
    auto s = read_sentinel(store, newest->name);
    if (s && s->segment_size) segment_size = *s->segment_size;
  }
  // From the oldest backup's start segment.
  std::optional<pg::WalSegment> start;
  for (const auto& b : backups) {
    auto s = pg::WalSegment::parse(b.name.segment, segment_size);
    if (s && (!start || s->segno < start->segno)) start = s;
  }
  return archive::verify_wal(archive::WalArchive(store, codec::Codec::Zstd, segment_size), start);
}

std::string backup_report_json(const std::vector<BackupVerifyReport>& reports) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& r : reports) {
    nlohmann::ordered_json j;
    j["backup"] = r.backup;
    j["ok"] = r.ok();
    j["partitions"] = r.partitions;
    j["files"] = r.files;
    j["bytes"] = r.bytes;
    j["wal_segments"] = r.wal_segments;
    j["has_manifest"] = r.has_manifest;
    j["notes"] = r.notes;
    auto probs = nlohmann::ordered_json::array();
    for (const auto& p : r.problems) probs.push_back({{"location", p.location}, {"problem", p.what}});
    j["problems"] = probs;
    arr.push_back(j);
  }
  return arr.dump(2) + "\n";
}

std::string backup_report_text(const std::vector<BackupVerifyReport>& reports) {
  std::string out;
  std::size_t w = 6;
  for (const auto& r : reports) w = std::max(w, r.backup.size());
  out += fmt::format("{:<{}}  {:<7}  {:>10}  {:>7}  {:>12}  {:>5}\n", "backup", w, "status", "partitions", "files",
                     "bytes", "wal");
  for (const auto& r : reports) {
    out += fmt::format("{:<{}}  {:<7}  {:>10}  {:>7}  {:>12}  {:>5}\n", r.backup, w, r.ok() ? "OK" : "DAMAGED",
                       r.partitions, r.files, r.bytes, r.wal_segments);
  }
  for (const auto& r : reports) {
    for (const auto& n : r.notes) out += "note: " + r.backup + ": " + n + "\n";
    for (const auto& p : r.problems) out += "PROBLEM: " + r.backup + ": " + p.location + ": " + p.what + "\n";
  }
  return out;
}

}  // namespace wale::catalog
