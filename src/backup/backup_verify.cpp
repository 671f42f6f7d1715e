#include "backup/backup_verify.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "archive/wal_archive.h"
#include "backup/backup_manifest.h"
#include "codec/crc32c.h"
#include "core/error.h"
#include "core/number.h"
#include "exec/task_group.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"
#include "pg/timeline_history.h"
#include "tar/tar_reader.h"

namespace wale::backup {
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
  std::vector<std::pair<std::uint32_t, std::string>> parts;
  store.list(layout::partitions_prefix(backup.name), [&](const store::ObjectInfo& o) {
    if (auto n = layout::partition_number(o.key)) parts.emplace_back(*n, o.key);
  });
  std::sort(parts.begin(), parts.end());
  report.partitions = parts.size();
  std::uint32_t expected_parts = sentinel && sentinel->partition_count ? *sentinel->partition_count
                                                                       : static_cast<std::uint32_t>(parts.size());
  std::set<std::uint32_t> have;
  for (const auto& p : parts) have.insert(p.first);
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(expected_parts, parts.empty() ? 0 : parts.back().first + 1); ++i) {
    if (!have.count(i)) {
      report.problems.push_back({store.describe(layout::partition_key(backup.name, i, codec::Codec::Zstd)).substr(0) ,
                                 "tar partition " + std::to_string(i) + " is missing"});
    }
  }
  if (parts.empty()) report.problems.push_back({store.describe(layout::partitions_prefix(backup.name)), "no tar partitions"});

  // The manifest is read and parsed before the partitions are scanned, so
  // that its text is freed before the map of every file is built (the
  // peak of a backup of many files); its problems are reported below.
  std::optional<Manifest> manifest;
  std::optional<std::string> manifest_problem;
  {
    auto text = store::get_bytes(store, layout::backup_dir(backup.name) + "backup_manifest");
    if (text) {
      report.has_manifest = true;
      try {
        manifest = parse_manifest(*text);
      } catch (const Error& e) {
        manifest_problem = e.message();
      }
    }
  }

  // Every file of every partition, checksummed while streaming.
  std::map<std::string, SeenFile> seen;
  std::mutex mu;
  {
    exec::TaskGroup group(std::max(1u, pool_size));
    for (const auto& [number, key] : parts) {
      group.run([&, key = key] {
        std::map<std::string, SeenFile> local;
        std::uint64_t bytes = 0;
        try {
          auto raw = store.get(key);
          if (!raw) throw Error(ErrorCode::Corrupt, "object vanished");
          io::FilterSource source(codec::make_decompressor(codec::codec_from_key(key)), std::move(raw));
          tar::TarReader reader(source);
          std::vector<std::byte> buf(256 * 1024);
          while (auto e = reader.next()) {
            if (e->type != tar::Entry::Type::File) continue;
            std::uint32_t crc = codec::crc32c_init();
            std::uint64_t size = 0;
            while (std::size_t n = reader.read_data(buf)) {
              crc = codec::crc32c_update(crc, std::span<const std::byte>(buf.data(), n));
              size += n;
            }
            local[e->path] = SeenFile{size, codec::crc32c_final(crc)};
            bytes += size;
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
      report.problems.push_back({store.describe(layout::backup_dir(backup.name) + "backup_manifest"), *manifest_problem});
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
    report.notes.push_back("no backup_manifest (a WAL-E backup?): file checksums not verified, only that every "
                           "partition decompresses and parses");
    if (sentinel && sentinel->file_count && *sentinel->file_count != seen.size()) {
      report.problems.push_back({report.backup, fmt::format("{} files in the partitions, the sentinel says {}",
                                                            seen.size(), *sentinel->file_count)});
    }
  }

  // WAL from the start to the consistency point.
  if (sentinel && !sentinel->format.empty() && !sentinel->wal_segment_backup_stop.empty()) {
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

WalVerifyReport verify_wal(store::ObjectStore& store, std::optional<std::uint64_t> segment_size_given) {
  WalVerifyReport report;
  auto backups = list_backups(store, false);
  std::uint64_t segment_size = pg::kDefaultSegmentSize;
  if (segment_size_given) {
    segment_size = *segment_size_given;
  } else if (!backups.empty()) {
    auto newest = std::max_element(backups.begin(), backups.end(),
                                   [](const auto& a, const auto& b) { return a.modified < b.modified; });
    auto text = store::get_bytes(store, layout::sentinel_key(newest->name));
    if (text) {
      auto s = layout::Sentinel::parse(*text);
      if (s.segment_size) segment_size = *s.segment_size;
    }
  }
  archive::WalArchive wal(store, codec::Codec::Zstd, segment_size);
  auto wal_files = wal.list();
  std::map<std::uint32_t, std::set<std::uint64_t>> segments;  // timeline -> segnos
  std::set<std::uint32_t> history_tlis;
  for (const auto& w : wal_files) {
    if (w.kind == pg::WalFileKind::Segment && w.segment) {
      segments[w.timeline].insert(w.segment->segno);
    } else if (w.kind == pg::WalFileKind::History) {
      history_tlis.insert(w.timeline);
    }
  }
  if (segments.empty()) {
    report.notes.push_back("the archive holds no WAL segments");
    return report;
  }
  // The newest timeline and its history: the chain of (timeline, switch LSN).
  std::uint32_t newest = segments.rbegin()->first;
  if (!history_tlis.empty()) newest = std::max(newest, *history_tlis.rbegin());
  std::vector<std::pair<std::uint32_t, std::uint64_t>> chain;  // timeline, where it ends (LSN; max for newest)
  chain.push_back({newest, UINT64_MAX});
  auto ancestors = wal.read_history(wal_files).ancestors(newest);
  if (!ancestors) {
    std::string hist = layout::history_file_name(newest);
    report.gaps.push_back({newest, hist, hist, 1});
  } else {
    // History lists ancestors oldest first; each entry's LSN is where that timeline ended.
    for (auto it = ancestors->rbegin(); it != ancestors->rend(); ++it) chain.push_back({it->timeline, it->end.value});
  }
  std::reverse(chain.begin(), chain.end());  // oldest first

  // Start at the oldest backup's start segment (or the oldest WAL if there is no backup).
  std::optional<pg::WalSegment> start;
  for (const auto& b : backups) {
    auto s = pg::WalSegment::parse(b.name.segment, segment_size);
    if (s && (!start || s->segno < start->segno)) start = s;
  }
  if (!start) {
    report.notes.push_back("no backup: checking from the oldest archived segment");
    auto& first_tli = segments.begin()->second;
    start = pg::WalSegment{segments.begin()->first, *first_tli.begin(), segment_size};
  }
  std::uint64_t end_segno = start->segno;
  if (segments.count(newest) && !segments[newest].empty()) {
    end_segno = *segments[newest].rbegin();
  } else {
    for (const auto& [tli, segs] : segments) end_segno = std::max(end_segno, *segs.rbegin());
  }
  report.start = start->file_name();
  report.end = pg::WalSegment{newest, end_segno, segment_size}.file_name();

  std::uint64_t from = start->segno;
  for (const auto& [tli, ends_at] : chain) {
    report.timelines.push_back(tli);
    std::uint64_t to = ends_at == UINT64_MAX ? end_segno : (ends_at - 1) / segment_size;
    if (to < from) continue;
    WalGap gap{tli, {}, {}, 0};
    for (std::uint64_t s = from; s <= to; ++s) {
      ++report.segments_checked;
      bool have = segments.count(tli) && segments[tli].count(s);
      std::string name = pg::WalSegment{tli, s, segment_size}.file_name();
      if (!have) {
        if (gap.count == 0) gap.first_missing = name;
        gap.last_missing = name;
        ++gap.count;
      } else if (gap.count > 0) {
        report.gaps.push_back(gap);
        gap = WalGap{tli, {}, {}, 0};
      }
    }
    if (gap.count > 0) report.gaps.push_back(gap);
    if (ends_at != UINT64_MAX) from = ends_at / segment_size;
  }
  return report;
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

std::string wal_report_json(const WalVerifyReport& r) {
  nlohmann::ordered_json j;
  j["ok"] = r.ok();
  j["start"] = r.start;
  j["end"] = r.end;
  j["timelines"] = r.timelines;
  j["segments_checked"] = r.segments_checked;
  auto gaps = nlohmann::ordered_json::array();
  for (const auto& g : r.gaps) {
    gaps.push_back({{"timeline", g.timeline}, {"first_missing", g.first_missing}, {"last_missing", g.last_missing},
                    {"count", g.count}});
  }
  j["gaps"] = gaps;
  j["notes"] = r.notes;
  return j.dump(2) + "\n";
}

std::string wal_report_text(const WalVerifyReport& r) {
  std::string out = fmt::format("WAL from {} to {} on timelines", r.start, r.end);
  for (auto t : r.timelines) out += fmt::format(" {}", t);
  out += fmt::format(": {} segments checked, {}\n", r.segments_checked,
                     r.ok() ? "no gaps" : std::to_string(r.gaps.size()) + " gap(s)");
  if (!r.gaps.empty()) {
    out += fmt::format("{:<10}  {:<24}  {:<24}  {:>7}\n", "timeline", "first missing", "last missing", "count");
    for (const auto& g : r.gaps) {
      out += fmt::format("{:<10}  {:<24}  {:<24}  {:>7}\n", g.timeline, g.first_missing, g.last_missing, g.count);
    }
    out += "Point-in-time recovery stops before the first missing segment.\n";
  }
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

}  // namespace wale::backup
