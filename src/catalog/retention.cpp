#include "catalog/retention.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "archive/wal_archive.h"
#include "catalog/backup_catalog.h"
#include "core/error.h"
#include "core/utc_time.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "pg/lsn.h"
#include "pg/timeline_history.h"

namespace wale::catalog {
namespace {

struct BackupObjects {
  std::vector<std::string> keys;  // everything of this backup, sentinel last
  bool finished = false;
  bool permanent = false;
  std::chrono::system_clock::time_point newest;       // newest object
  std::chrono::system_clock::time_point finished_at;  // sentinel's
  std::optional<layout::Sentinel> sentinel;
  // Filled for finished and running backups:
  std::optional<pg::WalSegment> start;  // the first segment it needs (on its timeline)
  // WAL-E offline backups: the same position on the timeline the name's
  // digits give read as decimal (see start_of), if that is another one.
  std::optional<pg::WalSegment> alt_start;
  pg::Lsn stop;  // where it becomes consistent
  bool on_live_path = true;
};

// The first segment a backup needs: its start segment, except for WAL-E's
// offline backups (see retention.h), whose start is taken as segment 0 of the
// log their name gives. Segment 0 of its timeline if the name does not parse
// with this segment size (keeps all of that timeline's WAL).
pg::WalSegment start_of(const layout::BackupName& name, const layout::Sentinel* sentinel, std::uint64_t segment_size) {
  if (auto start = first_needed_segment(name, sentinel, segment_size)) return *start;
  auto timeline = static_cast<std::uint32_t>(std::stoul(name.segment.substr(0, 8), nullptr, 16));
  return pg::WalSegment{timeline, 0, segment_size};
}

// WAL-E's offline backups also take pg_controldata's timeline, printed in
// decimal, as hex: on timeline 10 the name says 00000010 (16). The real
// timeline is those digits read as decimal; nullopt when that is the same
// one, or they are not all decimal digits (then not WAL-E's offline name).
std::optional<pg::WalSegment> walE_offline_decimal_start(const layout::BackupName& name,
                                                         const layout::Sentinel* sentinel,
                                                         const pg::WalSegment& start) {
  if (!walE_offline_backup(name, sentinel)) return std::nullopt;
  std::string digits = name.segment.substr(0, 8);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  auto timeline = static_cast<std::uint32_t>(std::stoul(digits, nullptr, 10));
  if (timeline == 0 || timeline == start.timeline) return std::nullopt;
  return pg::WalSegment{timeline, start.segno, start.segment_size};
}

// Where a finished backup becomes consistent: the sentinel's stop LSN (ours),
// else its stop segment and offset (WAL-E's), else its start.
pg::Lsn stop_of(const layout::Sentinel& s, const pg::WalSegment& start, std::uint64_t segment_size) {
  try {
    if (!s.stop_lsn.empty()) return pg::Lsn::parse(s.stop_lsn);
  } catch (const Error&) {
  }
  if (auto seg = pg::WalSegment::parse(s.wal_segment_backup_stop, segment_size)) {
    std::uint64_t offset = 0;
    try {
      offset = std::stoull(s.wal_segment_offset_backup_stop);
    } catch (const std::exception&) {
    }
    return pg::Lsn{seg->start_lsn().value + std::min(offset, segment_size - 1)};
  }
  return start.start_lsn();
}

}  // namespace

void mark_backup(store::ObjectStore& store, const std::string& backup_name, bool permanent) {
  auto name = layout::BackupName::parse(backup_name);
  if (!name || !store.stat(layout::sentinel_key(*name))) {
    throw Error(ErrorCode::NotFound, "backup " + backup_name + " not found", {},
                "Run backup-list to see the finished backups under this prefix.");
  }
  if (permanent) {
    store::put_bytes(store, layout::permanent_marker_key(*name), std::string(layout::kPermanentMarkerContent),
                     {"application/json"});
  } else {
    std::vector<std::string> keys{layout::permanent_marker_key(*name)};
    store.remove(keys);
  }
}

std::chrono::system_clock::time_point parse_time(const std::string& text) {
  std::string why;
  if (auto t = parse_iso8601(text, Iso8601Form::Lenient, &why)) return *t;
  const std::string hint = "Use a name from backup-list or a time like 2026-11-24T10:15:00Z.";
  if (why == "syntax") throw Error(ErrorCode::Usage, "\"" + text + "\" is neither a backup name nor a time", {}, hint);
  if (why == "no such day") {
    throw Error(ErrorCode::Usage, "\"" + text + "\" is not a valid time", "That month has no such day.", hint);
  }
  if (why == "offset") {
    throw Error(ErrorCode::Usage, "\"" + text + "\" has an invalid time zone offset", {},
                "Use Z or an offset like +02:00.");
  }
  throw Error(ErrorCode::Usage, "\"" + text + "\" is not a valid time", {}, hint);
}

DeletePlan plan_delete(store::ObjectStore& store, const DeleteRequest& request,
                       std::chrono::system_clock::time_point now) {
  DeletePlan plan;
  if (request.mode == DeleteMode::OldVersions) {
    for (const auto& prefix : layout::old_version_prefixes()) {
      store.list(prefix, [&](const store::ObjectInfo& o) { plan.keys.push_back(o.key); });
    }
    return plan;
  }
  if (request.mode == DeleteMode::Retain && request.retain < 1) {
    throw Error(ErrorCode::Usage, "delete retain needs a number of backups >= 1");
  }

  // Backups are listed before WAL: a backup that starts after this listing
  // needs only WAL written after it, which the WAL listing below may see but
  // then keeps only if some backup needs it; backup-push itself checks that
  // every segment from its start to its stop is archived before its sentinel.
  std::map<std::string, BackupObjects> backups;
  std::vector<std::string> stray_keys;  // under basebackups_005/ but of no backup
  store.list(layout::kBackupsDir, [&](const store::ObjectInfo& o) {
    auto name = layout::backup_of_key(o.key);
    if (!name) {
      stray_keys.push_back(o.key);
      return;
    }
    auto& b = backups[name->str()];
    b.newest = std::max(b.newest, o.modified);
    if (layout::backup_from_sentinel_key(o.key)) {
      b.finished = true;
      b.finished_at = o.modified;
    } else {
      b.keys.push_back(o.key);
    }
    if (o.key == layout::permanent_marker_key(*name)) b.permanent = true;
  });

  if (request.mode == DeleteMode::Everything) {
    for (const auto& [name, b] : backups) {
      // Only a finished backup can be permanent: a marker without a sentinel
      // (a failed backup-push --permanent) belongs to a backup that does not exist.
      if (b.finished && b.permanent) {
        throw Error(ErrorCode::Usage, "backup " + name + " is permanent; delete everything would remove it", {},
                    "Unmark it first: wal-e backup-mark " + name + " --impermanent.");
      }
    }
    // A running backup (no sentinel, younger than the grace) is kept, with
    // every WAL file from its start on (any timeline) and the history files:
    // deleting its listed files while it writes its sentinel would leave a
    // sentinel vouching for files that are gone. Only keys of this listing
    // are deleted: a backup that starts after it keeps its files.
    std::optional<std::string> first_needed;  // <log><seg> hex of the earliest running start
    for (const auto& [name, b] : backups) {
      if (b.finished) {
        plan.backups.push_back(name);
        plan.keys.push_back(layout::sentinel_key(*layout::BackupName::parse(name)));
      } else if (now - b.newest > request.unfinished_grace) {
        plan.unfinished_backups.push_back(name);
      } else {
        plan.running_backups.push_back(name);
        auto parsed = *layout::BackupName::parse(name);
        plan.wal_needs.push_back(WalNeed{name, start_of(parsed, nullptr, pg::kDefaultSegmentSize), true});
        // Equal-length uppercase hex: lexical order is position order, whatever the segment size.
        std::string position = parsed.segment.substr(8);
        if (!first_needed || position < *first_needed) first_needed = position;
        continue;
      }
      plan.keys.insert(plan.keys.end(), b.keys.begin(), b.keys.end());
    }
    plan.keys.insert(plan.keys.end(), stray_keys.begin(), stray_keys.end());
    store.list(layout::kWalDir, [&](const store::ObjectInfo& o) {
      if (first_needed) {
        if (auto w = layout::parse_wal_key(o.key)) {
          if (w->kind == pg::WalFileKind::History || w->name.substr(8, 16) >= *first_needed) return;
        }
      }
      plan.keys.push_back(o.key);
      ++plan.wal_keys;
    });
    return plan;
  }

  // Sentinels, and the segment size they record (16 MiB without one, as WAL-E's).
  std::uint64_t segment_size = pg::kDefaultSegmentSize;
  for (auto& [name, b] : backups) {
    if (!b.finished) continue;
    b.sentinel = read_sentinel(store, *layout::BackupName::parse(name));
    if (!b.sentinel) continue;  // deleted meanwhile: treated as a backup without a sentinel record
    if (b.sentinel->segment_size) segment_size = *b.sentinel->segment_size;
  }

  archive::WalArchive wal(store, codec::Codec::Zstd, segment_size);
  std::vector<layout::WalObject> wal_files = wal.list();
  std::map<std::uint32_t, std::chrono::system_clock::time_point> newest_segment;  // by timeline
  for (const auto& w : wal_files) {
    if (w.kind != pg::WalFileKind::Segment) continue;
    auto& t = newest_segment[w.timeline];
    t = std::max(t, w.modified);
  }
  pg::TimelineHistory history = wal.read_history(wal_files);

  // The current timeline: the newest one the archive knows of.
  std::uint32_t current = 1;
  for (const auto& w : wal_files) current = std::max(current, w.timeline);
  for (auto& [name, b] : backups) {
    auto parsed = *layout::BackupName::parse(name);
    const layout::Sentinel* sentinel = b.sentinel ? &*b.sentinel : nullptr;
    b.start = start_of(parsed, sentinel, segment_size);
    b.alt_start = walE_offline_decimal_start(parsed, sentinel, *b.start);
    current = std::max(current, b.start->timeline);
  }
  plan.current_timeline = current;
  // Live: the current timeline, and every other one that archived a segment
  // within the grace (or in the future: a store clock ahead of ours). A
  // clone restored from this archive and promoted into it can own the
  // highest timeline while production still archives on its parent.
  std::vector<std::uint32_t> live{current};
  for (const auto& [timeline, when] : newest_segment) {
    if (timeline != current && now - when <= request.unfinished_grace) live.push_back(timeline);
  }
  plan.live_timelines = live;
  // Whether a backup is on the path of live timeline `l` (unknown history: yes).
  auto on_path_of = [&](std::uint32_t l, const BackupObjects& b) {
    return history.on_path(l, b.start->timeline, b.stop).value_or(true);
  };

  // Finished backups, oldest first: backups off every live path (on abandoned
  // branches) before those on one, then by position.
  std::vector<std::string> finished;
  for (auto& [name, b] : backups) {
    if (!b.finished) continue;
    b.stop = b.sentinel ? stop_of(*b.sentinel, *b.start, segment_size) : b.start->start_lsn();
    b.on_live_path = std::any_of(live.begin(), live.end(), [&](std::uint32_t l) { return on_path_of(l, b); });
    finished.push_back(name);
  }
  auto order_key = [&](const std::string& n) {
    const auto& b = backups[n];
    return std::make_tuple(b.on_live_path, b.start->segno, b.start->timeline, n);
  };
  std::sort(finished.begin(), finished.end(),
            [&](const std::string& a, const std::string& b) { return order_key(a) < order_key(b); });

  std::set<std::string> doomed;
  if (request.mode == DeleteMode::Retain) {
    if (finished.size() > request.retain) {
      for (std::size_t i = 0; i < finished.size() - request.retain; ++i) doomed.insert(finished[i]);
    }
  } else {  // Before
    if (auto name = layout::BackupName::parse(request.before)) {
      auto it = std::find(finished.begin(), finished.end(), name->str());
      if (it == finished.end()) {
        throw Error(ErrorCode::NotFound, "backup " + request.before + " not found", {},
                    "delete before takes a finished backup's name (see backup-list) or a time.");
      }
      doomed.insert(finished.begin(), it);
    } else {
      auto when = parse_time(request.before);
      for (const auto& n : finished) {
        if (backups[n].finished_at < when) doomed.insert(n);
      }
      // Never delete the newest backup by time: at least one must remain.
      if (!finished.empty()) {
        auto newest = *std::max_element(finished.begin(), finished.end(), [&](const auto& a, const auto& b) {
          return backups[a].finished_at < backups[b].finished_at;
        });
        doomed.erase(newest);
      }
    }
  }
  // Never the newest backup of a live timeline (on it, or the newest on the
  // path to it), whatever the request.
  // (`finished` is in order_key order: among the backups on one live path,
  // all with on_live_path set, the last is the newest.)
  for (std::uint32_t l : live) {
    auto newest = std::find_if(finished.rbegin(), finished.rend(),
                               [&](const std::string& n) { return on_path_of(l, backups[n]); });
    if (newest != finished.rend()) doomed.erase(*newest);
  }

  // What needs WAL: kept finished backups and running ones.
  std::vector<WalNeed> needs;
  for (const auto& n : finished) {
    auto& b = backups[n];
    if (b.permanent) doomed.erase(n);
    if (doomed.count(n)) {
      plan.backups.push_back(n);
      plan.keys.push_back(layout::sentinel_key(*layout::BackupName::parse(n)));  // the backup stops existing first
      plan.keys.insert(plan.keys.end(), b.keys.begin(), b.keys.end());
    } else {
      plan.kept_backups.push_back(n);
      needs.push_back(WalNeed{n, *b.start, false});
      if (b.alt_start) needs.push_back(WalNeed{n, *b.alt_start, false});
    }
  }
  bool any_kept = !needs.empty();
  for (const auto& [name, b] : backups) {
    if (b.finished) continue;
    if (now - b.newest > request.unfinished_grace) {
      plan.unfinished_backups.push_back(name);
      plan.keys.insert(plan.keys.end(), b.keys.begin(), b.keys.end());
    } else {
      plan.running_backups.push_back(name);
      needs.push_back(WalNeed{name, *b.start, true});
    }
  }

  // A WAL file (segment, .partial, .backup) goes only when no kept or running
  // backup needs it; with no finished backup kept, no WAL goes at all.
  if (any_kept) {
    for (const auto& w : wal_files) {
      if (w.kind == pg::WalFileKind::History || !w.segment) continue;
      bool needed = false;
      for (const auto& need : needs) {
        if (w.segment->segno >= need.start.segno && history.descends_from(w.timeline, need.start.timeline)) {
          needed = true;
          break;
        }
      }
      if (!needed) {
        plan.keys.push_back(w.key);
        ++plan.wal_keys;
      }
    }
  }
  plan.wal_needs = std::move(needs);
  return plan;
}

void execute_delete(store::ObjectStore& store, const DeletePlan& plan) {
  // What interrupted writers left (S3 multipart uploads over a day old, local
  // temporaries of processes that are gone), only under the archive's own
  // directories: an archive at a bucket's root shares it with others, whose
  // uploads are not ours to abort.
  for (std::string_view dir : {layout::kBackupsDir, layout::kWalDir}) store.remove_abandoned(dir);
  // Every sentinel goes first, in calls of its own, before any other key: a
  // batch delete can fail for some keys and still remove the others (S3
  // DeleteObjects), and a sentinel must never outlive the files it vouches for.
  std::vector<std::string> keys = plan.keys;
  auto others = std::stable_partition(keys.begin(), keys.end(), [](const std::string& k) {
    return layout::backup_from_sentinel_key(k).has_value();
  });
  auto remove_batches = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; i += 1000) {
      std::size_t n = std::min<std::size_t>(1000, to - i);
      store.remove(std::span<const std::string>(keys.data() + i, n));
    }
  };
  std::size_t split = static_cast<std::size_t>(others - keys.begin());
  remove_batches(0, split);
  remove_batches(split, keys.size());
}

}  // namespace wale::catalog
