#include "archive/wal_verify.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "layout/archive_layout.h"
#include "pg/timeline_history.h"

namespace wale::archive {

WalVerifyReport verify_wal(const WalArchive& wal, std::optional<pg::WalSegment> start) {
  WalVerifyReport report;
  const std::uint64_t segment_size = wal.segment_size();
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

  // Start at `start` (the oldest backup's) or the oldest WAL if there is none.
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
    // An ancestor is needed up to the segment before the one its child
    // starts in: that segment is read from the child (recovery tries the
    // newest timeline first; a promotion copies the old WAL up to the switch
    // into it and archives the ancestor's copy as .partial).
    std::uint64_t child_first = ends_at == UINT64_MAX ? 0 : ends_at / segment_size;
    if (ends_at != UINT64_MAX && child_first == 0) continue;
    std::uint64_t to = ends_at == UINT64_MAX ? end_segno : child_first - 1;
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

std::string wal_report_json(const WalVerifyReport& r) {
  nlohmann::ordered_json j;
  j["ok"] = r.ok();
  j["start"] = r.start;
  j["end"] = r.end;
  j["timelines"] = r.timelines;
  j["segments_checked"] = r.segments_checked;
  auto gaps = nlohmann::ordered_json::array();
  for (const auto& g : r.gaps) {
    gaps.push_back({{"timeline", g.timeline},
                    {"first_missing", g.first_missing},
                    {"last_missing", g.last_missing},
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

}  // namespace wale::archive
