#include "pg/timeline_history.h"

#include <sstream>
#include <string>

#include "core/error.h"

namespace wale::pg {

std::vector<TimelineSwitch> parse_timeline_history(std::string_view text) {
  std::vector<TimelineSwitch> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream ls(line);
    std::string tli, lsn;
    ls >> tli >> lsn;
    std::uint64_t t = 0;
    try {
      std::size_t used = 0;
      t = std::stoull(tli, &used, 10);
      if (used != tli.size() || t == 0 || t > UINT32_MAX) throw std::invalid_argument("timeline");
      out.push_back(TimelineSwitch{static_cast<std::uint32_t>(t), Lsn::parse(lsn)});
    } catch (const std::exception&) {
      throw Error(ErrorCode::Corrupt, "malformed timeline history line \"" + line + "\"", {},
                  "A history file line reads \"<parent timeline>\\t<switch LSN>\\t<reason>\".");
    }
  }
  return out;
}

void TimelineHistory::add(std::uint32_t timeline, std::vector<TimelineSwitch> ancestors) {
  histories_[timeline] = std::move(ancestors);
}

bool TimelineHistory::known(std::uint32_t timeline) const { return timeline == 1 || histories_.count(timeline) > 0; }

std::optional<std::vector<TimelineSwitch>> TimelineHistory::ancestors(std::uint32_t timeline) const {
  if (timeline == 1) return std::vector<TimelineSwitch>{};
  auto it = histories_.find(timeline);
  if (it == histories_.end()) return std::nullopt;
  return it->second;
}

bool TimelineHistory::descends_from(std::uint32_t timeline, std::uint32_t ancestor) const {
  if (timeline == ancestor) return true;
  auto a = ancestors(timeline);
  if (!a) return true;
  for (const auto& s : *a) {
    if (s.timeline == ancestor) return true;
  }
  return false;
}

std::optional<bool> TimelineHistory::on_path(std::uint32_t live, std::uint32_t timeline, Lsn lsn) const {
  if (timeline == live) return true;
  auto a = ancestors(live);
  if (!a) return std::nullopt;
  for (const auto& s : *a) {
    if (s.timeline == timeline) return lsn <= s.end;
  }
  return false;
}

}  // namespace wale::pg
