#include "backup/retention.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <regex>
#include <set>

#include "backup/backup_catalog.h"
#include "core/error.h"
#include "core/number.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "pg/lsn.h"

namespace wale::backup {
namespace {

struct BackupObjects {
  std::vector<std::string> keys;  // everything of this backup, sentinel last
  bool finished = false;
  bool permanent = false;
  std::chrono::system_clock::time_point newest;  // newest object
  std::chrono::system_clock::time_point finished_at;  // sentinel's
  std::string start;  // 16 hex: log+seg, for ordering and the WAL horizon
};

// The backup name a key under basebackups_005/ belongs to, or "".
std::string owner_of(const std::string& key) {
  std::string rest = key.substr(layout::kBackupsDir.size());
  if (auto n = layout::backup_from_sentinel_key(key)) return n->str();
  auto slash = rest.find('/');
  if (slash == std::string::npos) return {};
  auto name = layout::BackupName::parse(rest.substr(0, slash));
  return name ? name->str() : std::string{};
}

std::string start_of(store::ObjectStore& store, const layout::BackupName& name) {
  std::string start = name.segment.substr(8);
  auto text = store::get_bytes(store, layout::sentinel_key(name));
  if (!text) return start;
  auto s = layout::Sentinel::parse(*text);
  bool walE_offline = s.format.empty() && s.wal_segment_backup_stop == name.segment;
  if (walE_offline) return name.segment.substr(8, 8) + "00000000";
  return start;
}

// "log+seg" of a WAL file name, or "" when it is not deletable WAL.
std::string wal_position(const std::string& wal_name) {
  switch (pg::classify_wal_file(wal_name)) {
    case pg::WalFileKind::Segment:
    case pg::WalFileKind::BackupHistory:
    case pg::WalFileKind::Partial:
      return wal_name.substr(8, 16);
    default:
      return {};
  }
}

}  // namespace

std::string permanent_marker_key(const std::string& backup_name) {
  return std::string(layout::kBackupsDir) + backup_name + "/permanent";
}

void mark_backup(store::ObjectStore& store, const std::string& backup_name, bool permanent) {
  auto name = layout::BackupName::parse(backup_name);
  if (!name || !store.stat(layout::sentinel_key(*name))) {
    throw Error(ErrorCode::NotFound, "backup " + backup_name + " not found", {},
                "Run backup-list to see the finished backups under this prefix.");
  }
  if (permanent) {
    store::put_bytes(store, permanent_marker_key(backup_name), "{\"permanent\": true}", {"application/json"});
  } else {
    std::vector<std::string> keys{permanent_marker_key(backup_name)};
    store.remove(keys);
  }
}

std::chrono::system_clock::time_point parse_time(const std::string& text) {
  static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    throw Error(ErrorCode::Usage, "\"" + text + "\" is neither a backup name nor a time", {},
                "Use a name from backup-list or a time like 2026-11-24T10:15:00Z.");
  }
  // The pattern guarantees digits; the ranges are checked here (timegm would
  // quietly turn 2026-13-45 into a date in 2027 and delete more than asked).
  auto field = [&](std::size_t i, int min, int max) {
    if (!m[i].matched) return 0;
    auto v = to_uint64(m[i].str());
    if (!v || *v < static_cast<std::uint64_t>(min) || *v > static_cast<std::uint64_t>(max)) {
      throw Error(ErrorCode::Usage, "\"" + text + "\" is not a valid time", {},
                  "Use a name from backup-list or a time like 2026-11-24T10:15:00Z.");
    }
    return static_cast<int>(*v);
  };
  std::tm tm{};
  tm.tm_year = field(1, 1970, 9999) - 1900;
  tm.tm_mon = field(2, 1, 12) - 1;
  const int day = field(3, 1, 31);
  tm.tm_mday = day;
  tm.tm_hour = field(4, 0, 23);
  tm.tm_min = field(5, 0, 59);
  tm.tm_sec = field(6, 0, 60);
  std::time_t t = timegm(&tm);
  std::tm check{};
  if (t == static_cast<std::time_t>(-1) || !gmtime_r(&t, &check) || check.tm_mday != day) {
    throw Error(ErrorCode::Usage, "\"" + text + "\" is not a valid time", "That month has no such day.",
                "Use a name from backup-list or a time like 2026-11-24T10:15:00Z.");
  }
  if (m[7].matched && m[7].str() != "Z") {
    std::string z = m[7].str();
    int sign = z[0] == '-' ? -1 : 1;
    std::string digits;
    for (char c : z.substr(1)) {
      if (c != ':') digits += c;
    }
    auto hours = to_uint64(digits.substr(0, 2)).value_or(99);
    auto mins = digits.size() >= 4 ? to_uint64(digits.substr(2, 2)).value_or(99) : 0;
    if (hours > 14 || mins > 59) {
      throw Error(ErrorCode::Usage, "\"" + text + "\" has an invalid time zone offset", {},
                  "Use Z or an offset like +02:00.");
    }
    t -= sign * static_cast<std::time_t>(hours * 3600 + mins * 60);
  }
  return std::chrono::system_clock::from_time_t(t);
}

DeletePlan plan_delete(store::ObjectStore& store, const DeleteRequest& request,
                       std::chrono::system_clock::time_point now) {
  DeletePlan plan;
  if (request.mode == DeleteMode::OldVersions) {
    for (int v = 0; v <= 4; ++v) {
      for (const char* dir : {"basebackups_00", "wal_00"}) {
        store.list(std::string(dir) + std::to_string(v) + "/", [&](const store::ObjectInfo& o) { plan.keys.push_back(o.key); });
      }
    }
    return plan;
  }

  std::map<std::string, BackupObjects> backups;
  store.list(layout::kBackupsDir, [&](const store::ObjectInfo& o) {
    std::string owner = owner_of(o.key);
    if (owner.empty()) return;
    auto& b = backups[owner];
    b.newest = std::max(b.newest, o.modified);
    if (layout::backup_from_sentinel_key(o.key)) {
      b.finished = true;
      b.finished_at = o.modified;
    } else {
      b.keys.push_back(o.key);
    }
    if (o.key == permanent_marker_key(owner)) b.permanent = true;
  });

  if (request.mode == DeleteMode::Everything) {
    for (const auto& [name, b] : backups) {
      if (b.permanent) {
        throw Error(ErrorCode::Usage, "backup " + name + " is permanent; delete everything would remove it", {},
                    "Unmark it first: wal-e backup-mark " + name + " --impermanent.");
      }
    }
    store.list(layout::kBackupsDir, [&](const store::ObjectInfo& o) { plan.keys.push_back(o.key); });
    store.list(layout::kWalDir, [&](const store::ObjectInfo& o) { plan.keys.push_back(o.key); });
    for (const auto& [name, b] : backups) (b.finished ? plan.backups : plan.unfinished_backups).push_back(name);
    return plan;
  }

  // Finished backups, oldest start first.
  std::vector<std::string> finished;
  for (auto& [name, b] : backups) {
    if (!b.finished) continue;
    b.start = start_of(store, *layout::BackupName::parse(name));
    finished.push_back(name);
  }
  std::sort(finished.begin(), finished.end(), [&](const std::string& a, const std::string& b) {
    return backups[a].start != backups[b].start ? backups[a].start < backups[b].start : a < b;
  });

  std::set<std::string> doomed;
  if (request.mode == DeleteMode::Retain) {
    if (request.retain < 1) throw Error(ErrorCode::Usage, "delete retain needs a number of backups >= 1");
    if (finished.size() > request.retain) {
      for (std::size_t i = 0; i < finished.size() - request.retain; ++i) doomed.insert(finished[i]);
    }
  } else {  // Before
    if (auto name = layout::BackupName::parse(request.before)) {
      auto it = backups.find(name->str());
      if (it == backups.end() || !it->second.finished) {
        throw Error(ErrorCode::NotFound, "backup " + request.before + " not found", {},
                    "delete before takes a finished backup's name (see backup-list) or a time.");
      }
      for (const auto& n : finished) {
        if (backups[n].start < it->second.start) doomed.insert(n);
      }
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

  std::string horizon;
  for (const auto& n : finished) {
    auto& b = backups[n];
    if (b.permanent) doomed.erase(n);
    if (doomed.count(n)) {
      plan.backups.push_back(n);
      plan.keys.push_back(layout::sentinel_key(*layout::BackupName::parse(n)));  // the backup stops existing first
      plan.keys.insert(plan.keys.end(), b.keys.begin(), b.keys.end());
    } else {
      plan.kept_backups.push_back(n);
      if (horizon.empty() || b.start < horizon) horizon = b.start;
    }
  }
  for (const auto& [name, b] : backups) {
    if (!b.finished && now - b.newest > request.unfinished_grace) {
      plan.unfinished_backups.push_back(name);
      plan.keys.insert(plan.keys.end(), b.keys.begin(), b.keys.end());
    }
  }
  plan.wal_horizon = horizon;
  if (!horizon.empty()) {
    store.list(layout::kWalDir, [&](const store::ObjectInfo& o) {
      auto wal = layout::wal_name_from_key(o.key);
      if (!wal) return;
      std::string pos = wal_position(*wal);
      if (!pos.empty() && pos < horizon) {
        plan.keys.push_back(o.key);
        ++plan.wal_keys;
      }
    });
  }
  return plan;
}

void execute_delete(store::ObjectStore& store, const DeletePlan& plan) {
  for (std::size_t i = 0; i < plan.keys.size(); i += 1000) {
    std::size_t n = std::min<std::size_t>(1000, plan.keys.size() - i);
    store.remove(std::span<const std::string>(plan.keys.data() + i, n));
  }
}

}  // namespace wale::backup
