// wal-verify: is the archived WAL a chain a point-in-time recovery can
// replay?
//
// verify_wal() walks the archive from `start` (the caller passes the oldest
// backup's start segment; without one, the oldest archived segment) to the
// newest segment, following the timeline history files from the newest
// timeline back, and lists every run of missing segments: a recovery would
// stop at the first one. An ancestor is checked up to the segment before the
// one its child starts in (recovery reads that one from the child; a
// promoted standby archives the ancestor's copy as .partial). A missing
// history file of the newest timeline is
// reported as a gap. One listing of wal_005/ plus the history files; reads
// only. Storage failures throw wale::Error, a damaged history file
// Error{Corrupt}. Thread-safe if the store is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/wal_archive.h"
#include "pg/lsn.h"

namespace wale::archive {

struct WalGap {
  std::uint32_t timeline = 0;
  std::string first_missing;  // WAL file name
  std::string last_missing;
  std::uint64_t count = 0;
};

struct WalVerifyReport {
  std::string start;                     // first WAL file expected (oldest backup's start)
  std::string end;                       // newest WAL file in the archive
  std::vector<std::uint32_t> timelines;  // followed, oldest first
  std::uint64_t segments_checked = 0;
  std::vector<WalGap> gaps;
  std::vector<std::string> notes;
  bool ok() const { return gaps.empty(); }
};

WalVerifyReport verify_wal(const WalArchive& wal, std::optional<pg::WalSegment> start);

std::string wal_report_json(const WalVerifyReport& report);
std::string wal_report_text(const WalVerifyReport& report);

}  // namespace wale::archive
