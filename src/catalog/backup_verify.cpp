#include "catalog/backup_verify.h"

#include <algorithm>
#include <atomic>
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
#include "core/string_arena.h"
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

// The manifest's files, compactly (a path costs its length plus about 40
// bytes: a manifest of a million files is tens of MiB, not hundreds), looked
// up by path from many threads while partitions are scanned.
class ManifestIndex {
 public:
  static constexpr std::uint8_t kSeen = 1, kSizeDiffers = 2, kCrcDiffers = 4;

  void add(const layout::ManifestFile& f) {
    recs_.push_back(Rec{paths_.add(f.path), f.size, f.crc32c.value_or(0), static_cast<std::uint32_t>(f.path.size()),
                        f.crc32c.has_value()});
  }
  // After the last add(), before any lookup.
  void seal() {
    recs_.shrink_to_fit();
    sorted_.resize(recs_.size());
    for (std::size_t i = 0; i < sorted_.size(); ++i) sorted_[i] = static_cast<std::uint32_t>(i);
    std::stable_sort(sorted_.begin(), sorted_.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return path(a) < path(b); });
    flags_ = std::vector<std::atomic<std::uint8_t>>(recs_.size());
  }
  std::size_t size() const { return recs_.size(); }
  std::string_view path(std::size_t i) const { return paths_.view(recs_[i].path, recs_[i].path_len); }
  std::uint64_t file_size(std::size_t i) const { return recs_[i].size; }
  std::uint8_t flags(std::size_t i) const { return flags_[i].load(); }

  // A file found in a partition; thread-safe. Returns false if the manifest
  // does not list `path`; sets `first` to whether it is the first time the
  // path is seen, and `listed` to one of its manifest entries.
  bool see(std::string_view p, std::uint64_t size, std::uint32_t crc, bool& first, std::size_t& listed) {
    auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), p,
                               [&](std::uint32_t i, std::string_view v) { return path(i) < v; });
    if (lo == sorted_.end() || path(*lo) != p) return false;
    listed = *lo;
    first = (flags_[*lo].fetch_or(kSeen) & kSeen) == 0;
    if (!first) return true;
    // Every entry of that path (a manifest that lists one twice) is checked.
    for (auto it = lo; it != sorted_.end() && path(*it) == p; ++it) {
      const Rec& r = recs_[*it];
      std::uint8_t f = kSeen;
      if (r.size != size) f |= kSizeDiffers;
      else if (r.has_crc && r.crc != crc) f |= kCrcDiffers;
      flags_[*it].fetch_or(f);
    }
    return true;
  }
  // Undoes see() of the path of entry `listed` (its partition was damaged).
  void unsee(std::size_t listed) {
    std::string_view p = path(listed);
    auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), p,
                               [&](std::uint32_t i, std::string_view v) { return path(i) < v; });
    for (auto it = lo; it != sorted_.end() && path(*it) == p; ++it) flags_[*it].store(0);
  }

 private:
  struct Rec {
    std::uint64_t path;  // StringArena handle
    std::uint64_t size;
    std::uint32_t crc;
    std::uint32_t path_len;
    bool has_crc;
  };
  StringArena paths_;
  std::vector<Rec> recs_;
  std::vector<std::uint32_t> sorted_;  // indices by path
  std::vector<std::atomic<std::uint8_t>> flags_;
};

// Paths, compactly, for the distinct count and "stored twice" of a backup
// without a (usable) manifest.
class PathSet {
 public:
  void add(std::string_view p) { items_.push_back({paths_.add(p), static_cast<std::uint32_t>(p.size())}); }
  void move_into(PathSet& other) {
    for (const auto& i : items_) other.add(paths_.view(i.handle, i.len));
    items_.clear();
    items_.shrink_to_fit();
  }
  // Sorts; returns the number of distinct paths and calls `twice` once per extra copy.
  template <typename F>
  std::size_t distinct(F twice) {
    auto view = [&](const Item& i) { return paths_.view(i.handle, i.len); };
    std::sort(items_.begin(), items_.end(), [&](const Item& a, const Item& b) { return view(a) < view(b); });
    std::size_t n = 0;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (i > 0 && view(items_[i]) == view(items_[i - 1])) twice(view(items_[i]));
      else ++n;
    }
    return n;
  }

 private:
  struct Item {
    std::uint64_t handle;
    std::uint32_t len;
  };
  StringArena paths_;
  std::vector<Item> items_;
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

  // The manifest is parsed (streamed) into a compact index before the
  // partitions are scanned; each file found is checked against it at once.
  std::optional<ManifestIndex> manifest;
  std::optional<std::string> manifest_problem;
  if (auto text = store.get(layout::backup_manifest_key(backup.name))) {
    report.has_manifest = true;
    manifest.emplace();
    try {
      layout::parse_manifest(*text, [&](layout::ManifestFile&& f) { manifest->add(f); });
      manifest->seal();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Corrupt) throw;
      manifest.reset();
      manifest_problem = e.message();
    }
  }

  // Every file of every partition, checksummed while streaming. The files
  // of a partition that turns out damaged count as absent (as a restore
  // would fail there): what it marked is undone.
  std::mutex mu;                   // guards unlisted, all_paths, sizes, report.problems and report.bytes
  std::set<std::string> unlisted;  // files the manifest does not list
  PathSet all_paths;               // without a manifest: every file
  std::map<std::string, std::uint64_t, std::less<>> sizes;  // the size found where the manifest's differs
  std::atomic<std::uint64_t> listed_files{0};
  {
    exec::TaskGroup group(std::max(1u, pool_size));
    for (const auto& [number, key, size] : parts) {
      group.run([&, key = key] {
        std::uint64_t bytes = 0;
        std::vector<std::uint32_t> marked;      // manifest entries this partition saw first
        std::vector<std::string> own_unlisted;  // paths this partition added to `unlisted`
        PathSet own_paths;                      // without a manifest: this partition's files
        try {
          auto raw = store.get(key);
          if (!raw) throw Error(ErrorCode::Corrupt, "object vanished");
          io::FilterSource source(codec::make_decompressor(codec::codec_from_key(key)), std::move(raw));
          tar::TarReader reader(source);
          while (auto e = reader.next()) {
            if (e->type != tar::Entry::Type::File) continue;
            auto sum = codec::crc32c_of_stream([&](std::span<std::byte> buf) { return reader.read_data(buf); });
            bytes += sum.size;
            if (!manifest) {
              own_paths.add(e->path);
              continue;
            }
            bool first = false;
            std::size_t listed = 0;
            if (manifest->see(e->path, sum.size, sum.crc, first, listed)) {
              if (first) {
                marked.push_back(static_cast<std::uint32_t>(listed));
                if (manifest->flags(listed) & ManifestIndex::kSizeDiffers) {
                  std::lock_guard lock(mu);
                  sizes[e->path] = sum.size;
                }
              } else {
                std::lock_guard lock(mu);
                report.problems.push_back({e->path, "stored twice"});
              }
              continue;
            }
            std::lock_guard lock(mu);
            if (unlisted.insert(e->path).second) own_unlisted.push_back(e->path);
            else report.problems.push_back({e->path, "stored twice"});
          }
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Corrupt && e.code() != ErrorCode::NotFound) throw;
          for (auto i : marked) manifest->unsee(i);
          std::lock_guard lock(mu);
          for (const auto& p : own_unlisted) unlisted.erase(p);
          report.problems.push_back({store.describe(key), e.message()});
          return;
        }
        listed_files += marked.size();
        std::lock_guard lock(mu);
        report.bytes += bytes;
        own_paths.move_into(all_paths);
      });
    }
    group.wait();
  }
  if (manifest) {
    report.files = listed_files + unlisted.size();
  } else {
    report.files = all_paths.distinct([&](std::string_view p) {
      report.problems.push_back({std::string(p), "stored twice"});
    });
  }

  // The manifest: every file present with its size and checksum, nothing extra.
  if (report.has_manifest) {
    if (manifest_problem) {
      report.problems.push_back({store.describe(layout::backup_manifest_key(backup.name)), *manifest_problem});
    } else {
      for (std::size_t i = 0; i < manifest->size(); ++i) {
        std::uint8_t f = manifest->flags(i);
        std::string path(manifest->path(i));
        if (!(f & ManifestIndex::kSeen)) {
          report.problems.push_back({path, "in the manifest but in no tar partition"});
        } else if (f & ManifestIndex::kSizeDiffers) {
          auto it = sizes.find(path);
          std::string found = it != sizes.end() ? std::to_string(it->second) : std::string("another");
          report.problems.push_back(
              {path, fmt::format("size {} but the manifest says {}", found, manifest->file_size(i))});
        } else if (f & ManifestIndex::kCrcDiffers) {
          report.problems.push_back({path, "checksum mismatch: the file's content is damaged"});
        }
      }
      for (const auto& path : unlisted) {
        if (path != "backup_manifest" && path != "tablespace_map") {
          report.problems.push_back({path, "in a tar partition but not in the manifest"});
        }
      }
    }
  } else {
    report.notes.push_back(
        "no backup_manifest (a WAL-E backup?): file checksums not verified, only that every "
        "partition decompresses and parses");
    if (sentinel && sentinel->file_count && *sentinel->file_count != report.files) {
      report.problems.push_back({report.backup, fmt::format("{} files in the partitions, the sentinel says {}",
                                                            report.files, *sentinel->file_count)});
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
  // From the first segment the oldest backup needs (for WAL-E's offline
  // backups, before the position their name gives: see first_needed_segment).
  std::optional<pg::WalSegment> start;
  for (const auto& b : backups) {
    std::optional<layout::Sentinel> sentinel;
    if (may_be_walE_offline_name(b.name)) sentinel = read_sentinel(store, b.name);
    auto s = first_needed_segment(b.name, sentinel ? &*sentinel : nullptr, segment_size);
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
