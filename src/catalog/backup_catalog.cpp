#include "catalog/backup_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utc_time.h"

namespace wale::catalog {
namespace {

layout::Sentinel load_sentinel(store::ObjectStore& store, const layout::BackupName& name) {
  auto sentinel = read_sentinel(store, name);
  if (!sentinel) {
    throw Error(ErrorCode::NotFound, "backup " + name.str() + " disappeared while reading it",
                "The key was " + store.describe(layout::sentinel_key(name)) + ".");
  }
  return std::move(*sentinel);
}

std::string optional_number(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : ""; }

}  // namespace

std::optional<layout::Sentinel> read_sentinel(store::ObjectStore& store, const layout::BackupName& name) {
  auto text = store::get_bytes(store, layout::sentinel_key(name));
  if (!text) return std::nullopt;
  return layout::Sentinel::parse(*text, "backup sentinel " + store.describe(layout::sentinel_key(name)));
}

bool walE_offline_backup(const layout::BackupName& name, const layout::Sentinel* sentinel) {
  return sentinel && sentinel->format.empty() && sentinel->wal_segment_backup_stop == name.segment;
}

std::optional<pg::WalSegment> first_needed_segment(const layout::BackupName& name, const layout::Sentinel* sentinel,
                                                   std::uint64_t segment_size) {
  auto start = name.start_segment(segment_size);
  if (!start) return std::nullopt;
  if (walE_offline_backup(name, sentinel)) {
    std::uint64_t per_log = 0x100000000ULL / segment_size;
    start->segno -= start->segno % per_log;
  }
  return start;
}

bool may_be_walE_offline_name(const layout::BackupName& name) { return name.offset == name.segment.substr(16); }

std::vector<PartitionObject> list_partitions(store::ObjectStore& store, const layout::BackupName& name,
                                             const std::function<void(const std::string& key)>& on_unexpected) {
  std::vector<PartitionObject> parts;
  store.list(layout::partitions_prefix(name), [&](const store::ObjectInfo& o) {
    if (auto n = layout::partition_number(o.key)) {
      parts.push_back({*n, o.key, o.size});
    } else if (on_unexpected) {
      on_unexpected(o.key);
    }
  });
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return parts;
}

std::vector<BackupInfo> list_backups(store::ObjectStore& store, bool detail) {
  std::vector<BackupInfo> out;
  store.list(layout::kBackupsDir, [&](const store::ObjectInfo& info) {
    if (auto name = layout::backup_from_sentinel_key(info.key)) {
      out.push_back(BackupInfo{*name, info.modified, std::nullopt});
    }
  });
  if (detail) {
    for (auto& b : out) b.sentinel = load_sentinel(store, b.name);
  }
  return out;
}

BackupInfo resolve_backup(store::ObjectStore& store, const layout::BackupQuery& query) {
  auto all = list_backups(store, false);
  if (all.empty()) {
    throw Error(ErrorCode::NotFound, "no backups found for fetching", {},
                "Run backup-list to see the backups under this prefix; check the prefix is right.");
  }
  BackupInfo chosen;
  if (query.latest) {
    chosen = *std::max_element(all.begin(), all.end(), [](const BackupInfo& a, const BackupInfo& b) {
      return a.modified != b.modified ? a.modified < b.modified : a.name.str() < b.name.str();
    });
  } else {
    auto it = std::find_if(all.begin(), all.end(), [&](const BackupInfo& b) { return b.name.str() == query.name; });
    if (it == all.end()) {
      throw Error(ErrorCode::NotFound, "backup " + query.name + " not found", {},
                  "Run backup-list to see the finished backups under this prefix.");
    }
    chosen = *it;
  }
  chosen.sentinel = load_sentinel(store, chosen.name);
  return chosen;
}

std::string format_backup_list_tsv(const std::vector<BackupInfo>& backups) {
  std::string out =
      "name\tlast_modified\texpanded_size_bytes\twal_segment_backup_start\twal_segment_offset_backup_start\t"
      "wal_segment_backup_stop\twal_segment_offset_backup_stop\r\n";
  for (const auto& b : backups) {
    std::string expanded, stop, stop_off;
    if (b.sentinel) {
      expanded = optional_number(b.sentinel->expanded_size_bytes);
      stop = b.sentinel->wal_segment_backup_stop;
      stop_off = b.sentinel->wal_segment_offset_backup_stop;
    }
    out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\r\n", b.name.str(), format_iso_utc(b.modified), expanded,
                       b.name.segment, b.name.offset, stop, stop_off);
  }
  return out;
}

std::string format_backup_list_table(const std::vector<BackupInfo>& backups) {
  // Reuse the TSV rows, then pad each column to its widest cell.
  std::vector<std::vector<std::string>> rows;
  std::string tsv = format_backup_list_tsv(backups);
  std::size_t pos = 0;
  while (pos < tsv.size()) {
    std::size_t end = tsv.find("\r\n", pos);
    std::string line = tsv.substr(pos, end - pos);
    pos = end + 2;
    std::vector<std::string> cells;
    std::size_t c = 0;
    for (;;) {
      std::size_t tab = line.find('\t', c);
      cells.push_back(line.substr(c, tab == std::string::npos ? std::string::npos : tab - c));
      if (tab == std::string::npos) break;
      c = tab + 1;
    }
    rows.push_back(std::move(cells));
  }
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()), 0);
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string format_backup_list_json(const std::vector<BackupInfo>& backups) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& b : backups) {
    nlohmann::ordered_json j;
    j["name"] = b.name.str();
    j["last_modified"] = format_iso_utc(b.modified);
    j["wal_segment_backup_start"] = b.name.segment;
    j["wal_segment_offset_backup_start"] = b.name.offset;
    if (b.sentinel) {
      auto s = nlohmann::ordered_json::parse(b.sentinel->to_json());
      for (auto it = s.begin(); it != s.end(); ++it) {
        if (!j.contains(it.key())) j[it.key()] = it.value();
      }
    }
    arr.push_back(j);
  }
  return arr.dump(2) + "\n";
}

}  // namespace wale::catalog
