// WalArchive: the WAL part of an archive (wal_005/) as typed values.
//
// One place that knows how archived WAL is found (any codec, the preferred
// one first), opened (decompressed), listed (as layout::WalObject values with
// timeline and segment number), how timeline history files are read, and how
// to wait for a range of segments to arrive. Used by wal-fetch and prefetch
// (open), wal-push (lookup_order: every codec's key of a name), backup-push
// (wait_for_backup_wal: is every segment of the backup archived?),
// backup-verify, wal-verify (archive/wal_verify.h) and retention, so every
// reader finds WAL the same way.
//
// Holds a reference to the store, which must outlive it. Const methods do
// only reads and are thread-safe if the store is. Storage failures throw
// wale::Error; a damaged history file throws Error{Corrupt}.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/clock.h"
#include "io/byte_source.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"
#include "pg/timeline_history.h"
#include "store/object_store.h"

namespace wale::archive {

// wait_for_segments' polling: the first pause, doubled after each look up to the last.
inline constexpr std::chrono::milliseconds kFirstWalPoll{20};
inline constexpr std::chrono::milliseconds kMaxWalPoll{500};

// Every codec, `preferred` first: the order in which archived WAL is looked up.
std::vector<codec::Codec> lookup_order(codec::Codec preferred);

class WalArchive {
 public:
  explicit WalArchive(store::ObjectStore& store, codec::Codec preferred = codec::Codec::Zstd,
                      std::uint64_t segment_size = pg::kDefaultSegmentSize);

  store::ObjectStore& store() const { return store_; }
  std::uint64_t segment_size() const { return segment_size_; }

  // The key under which WAL file `name` is archived (the first codec of
  // lookup_order that holds it), or nullopt; one store::ObjectStore::stat_many
  // over every codec's key (on S3 one listing, not a HEAD per codec). Does not
  // validate `name`.
  std::optional<std::string> find_key(const std::string& name) const;
  // The archived WAL file as a decompressed stream, or nullptr if absent.
  // Throws Error{Usage} for a name that is not a WAL file name.
  std::unique_ptr<io::ByteSource> open(const std::string& name) const;

  // Every WAL file in the archive (one listing of wal_005/), in key order,
  // with the time the store gives for each.
  std::vector<layout::WalObject> list() const;
  // The full segments (kind Segment) of `timeline` with segno in
  // [first_segno, last_segno], listing only the logs that range spans.
  std::vector<layout::WalObject> list_segments(std::uint32_t timeline, std::uint64_t first_segno,
                                               std::uint64_t last_segno) const;
  // The segments from `first` to `last` (on first's timeline) that are not
  // archived under any codec, oldest first.
  std::vector<pg::WalSegment> missing_segments(const pg::WalSegment& first, const pg::WalSegment& last) const;

  // The history of every timeline whose .history file `listing` holds.
  pg::TimelineHistory read_history(const std::vector<layout::WalObject>& listing) const;
  pg::TimelineHistory read_history() const { return read_history(list()); }

  // Waits until every segment from `first` to `last` (on first's timeline)
  // is archived: one listing, then a find_key per segment still missing after
  // kFirstWalPoll on `clock`, the pause doubling up to kMaxWalPoll; calls
  // `still_waiting(first missing)` every 30 s.
  // Returns the segments still missing when `timeout` passed (empty: all there).
  std::vector<pg::WalSegment> wait_for_segments(
      const pg::WalSegment& first, const pg::WalSegment& last, Clock::Duration timeout, Clock& clock,
      const std::function<void(const pg::WalSegment&)>& still_waiting = {}) const;

 private:
  store::ObjectStore& store_;
  codec::Codec preferred_;
  std::uint64_t segment_size_;
};

// Waits (polling on `clock`, at most `timeout`) until every segment from
// `first` to `last` (on first's timeline) is archived under any codec, then
// makes each of them durable (store::ObjectStore::make_durable: the sentinel
// vouches for them). Logs a warning every 30 s while waiting. Throws
// Error{NotFound} naming the first missing segment when time runs out, or if
// one vanishes before it is synced (backup-push: no sentinel then).
void wait_for_backup_wal(const archive::WalArchive& wal, const pg::WalSegment& first, const pg::WalSegment& last,
                         std::chrono::seconds timeout, Clock& clock);

}  // namespace wale::archive
