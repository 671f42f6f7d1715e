// PostgreSQL timeline history: which timeline forked from which, and where.
//
// A history file NNNNNNNN.history (archived next to the WAL) lists every
// ancestor of timeline N, oldest first, one line each:
// "<parent tli>\t<switch LSN>\t<reason>"; the LSN is where the parent ended
// and its child began. Timeline 1 has no history file.
//
// TimelineHistory holds the parsed history of every timeline an archive
// knows. Questions about a timeline whose history file is missing have no
// certain answer: each function says which way it errs. A plain value:
// const use is thread-safe; parse throws Error{Corrupt}.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "pg/lsn.h"

namespace wale::pg {

struct TimelineSwitch {
  std::uint32_t timeline = 0;  // an ancestor
  Lsn end;                     // where it ended: its child starts here
};

// The lines of a history file, oldest ancestor first. Comments and blank lines
// are skipped; a malformed line throws Error{Corrupt}.
std::vector<TimelineSwitch> parse_timeline_history(std::string_view text);

class TimelineHistory {
 public:
  // Records the history file of `timeline` (its ancestors, oldest first).
  void add(std::uint32_t timeline, std::vector<TimelineSwitch> ancestors);
  // Timeline 1 and every timeline whose history was added.
  bool known(std::uint32_t timeline) const;
  // The ancestors of a known timeline, oldest first; nullopt if unknown.
  std::optional<std::vector<TimelineSwitch>> ancestors(std::uint32_t timeline) const;

  // Whether `timeline` is `ancestor` or descends from it. Unknown history:
  // true (errs towards "may need the ancestor's WAL").
  bool descends_from(std::uint32_t timeline, std::uint32_t ancestor) const;
  // Whether WAL position `lsn` on `timeline` is on the history of `live`:
  // `timeline` is `live`, or an ancestor of it and `lsn` is at or before the
  // point where it ended. nullopt when `live`'s history is unknown.
  std::optional<bool> on_path(std::uint32_t live, std::uint32_t timeline, Lsn lsn) const;

 private:
  std::map<std::uint32_t, std::vector<TimelineSwitch>> histories_;
};

}  // namespace wale::pg
