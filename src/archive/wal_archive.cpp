#include "archive/wal_archive.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"

namespace wale::archive {

WalArchive::WalArchive(store::ObjectStore& store, codec::Codec preferred, std::uint64_t segment_size)
    : store_(store), preferred_(preferred), segment_size_(segment_size) {}

std::vector<codec::Codec> lookup_order(codec::Codec preferred) {
  std::vector<codec::Codec> order{preferred};
  for (codec::Codec c : {codec::Codec::Lzop, codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::None}) {
    if (c != preferred) order.push_back(c);
  }
  return order;
}

std::optional<std::string> WalArchive::find_key(const std::string& name) const {
  std::vector<std::string> keys;
  for (codec::Codec c : lookup_order(preferred_)) keys.push_back(layout::wal_key(name, c));
  std::vector<store::ObjectInfo> found = store_.stat_many(keys);
  for (const auto& key : keys) {
    if (std::any_of(found.begin(), found.end(), [&](const store::ObjectInfo& o) { return o.key == key; })) return key;
  }
  return std::nullopt;
}

std::unique_ptr<io::ByteSource> WalArchive::open(const std::string& name) const {
  if (pg::classify_wal_file(name) == pg::WalFileKind::Invalid) {
    throw Error(ErrorCode::Usage, "\"" + name + "\" is not a WAL file name", {},
                "restore_command should pass \"%f\" \"%p\" to wal-fetch.");
  }
  for (codec::Codec c : lookup_order(preferred_)) {
    auto source = store_.get(layout::wal_key(name, c));
    if (source) return std::make_unique<io::FilterSource>(codec::make_decompressor(c), std::move(source));
  }
  return nullptr;
}

std::vector<layout::WalObject> WalArchive::list() const {
  std::vector<layout::WalObject> out;
  store_.list(layout::kWalDir, [&](const store::ObjectInfo& o) {
    if (auto w = layout::parse_wal_key(o.key, segment_size_)) {
      w->modified = o.modified;
      out.push_back(std::move(*w));
    }
  });
  return out;
}

std::vector<layout::WalObject> WalArchive::list_segments(std::uint32_t timeline, std::uint64_t first_segno,
                                                         std::uint64_t last_segno) const {
  std::vector<layout::WalObject> out;
  if (last_segno < first_segno) return out;
  std::uint64_t per_log = 0x100000000ULL / segment_size_;
  for (std::uint64_t log = first_segno / per_log; log <= last_segno / per_log; ++log) {
    pg::WalSegment in_log{timeline, log * per_log, segment_size_};
    store_.list(layout::wal_log_prefix(in_log), [&](const store::ObjectInfo& o) {
      auto w = layout::parse_wal_key(o.key, segment_size_);
      if (!w || w->kind != pg::WalFileKind::Segment || !w->segment || w->timeline != timeline) return;
      if (w->segment->segno >= first_segno && w->segment->segno <= last_segno) out.push_back(std::move(*w));
    });
  }
  return out;
}

std::vector<pg::WalSegment> WalArchive::missing_segments(const pg::WalSegment& first,
                                                         const pg::WalSegment& last) const {
  std::set<std::uint64_t> have;
  for (const auto& w : list_segments(first.timeline, first.segno, last.segno)) have.insert(w.segment->segno);
  std::vector<pg::WalSegment> missing;
  for (std::uint64_t s = first.segno; s <= last.segno; ++s) {
    if (!have.count(s)) missing.push_back(pg::WalSegment{first.timeline, s, segment_size_});
  }
  return missing;
}

pg::TimelineHistory WalArchive::read_history(const std::vector<layout::WalObject>& listing) const {
  pg::TimelineHistory history;
  std::set<std::uint32_t> done;
  for (const auto& w : listing) {
    if (w.kind != pg::WalFileKind::History || !done.insert(w.timeline).second) continue;
    auto source = open(w.name);
    if (!source) continue;  // deleted since the listing: its timeline stays unknown
    try {
      history.add(w.timeline, pg::parse_timeline_history(io::read_all(*source)));
    } catch (const Error& e) {
      throw Error(ErrorCode::Corrupt, "timeline history " + w.name + " in the archive is damaged: " + e.message(),
                  store_.describe(w.key), "Restore the file from the cluster's pg_wal directory.");
    }
  }
  return history;
}

std::vector<pg::WalSegment> WalArchive::wait_for_segments(
    const pg::WalSegment& first, const pg::WalSegment& last, Clock::Duration timeout, Clock& clock,
    const std::function<void(const pg::WalSegment&)>& still_waiting) const {
  auto deadline = clock.now() + timeout;
  auto next_note = clock.now() + std::chrono::seconds(30);
  std::vector<pg::WalSegment> missing = missing_segments(first, last);
  // The last segment usually arrives a fraction of a second after the backup stops (the
  // archiver runs archive_command at once): look again soon, then less and less often.
  Clock::Duration pause = kFirstWalPoll;
  for (;;) {
    if (missing.empty()) return missing;
    auto now = clock.now();
    if (now >= deadline) return missing;
    if (now >= next_note) {
      if (still_waiting) still_waiting(missing.front());
      next_note = now + std::chrono::seconds(30);
    }
    clock.sleep_for(pause);
    pause = std::min<Clock::Duration>(pause * 2, kMaxWalPoll);
    std::erase_if(missing, [&](const pg::WalSegment& s) { return find_key(s.file_name()).has_value(); });
  }
}

void wait_for_backup_wal(const archive::WalArchive& wal, const pg::WalSegment& first, const pg::WalSegment& last,
                         std::chrono::seconds timeout, Clock& clock) {
  auto missing = wal.wait_for_segments(first, last, timeout, clock, [](const pg::WalSegment& s) {
    log::warning("wal_e.operator.backup",
                 {"still waiting for WAL to be archived", "Waiting for WAL file " + s.file_name() + ".", {}, {}});
  });
  if (missing.empty()) {
    // The sentinel vouches for these segments: each must be durable, not just visible (a pusher
    // killed between the local store's rename and its directory fsync leaves one that is not).
    for (const auto& w : wal.list_segments(first.timeline, first.segno, last.segno)) wal.store().make_durable(w.key);
    return;
  }
  std::string which = missing.front().file_name();
  if (missing.size() > 1) {
    which += " (and " + std::to_string(missing.size() - 1) + " more up to " + missing.back().file_name() + ")";
  }
  throw Error(ErrorCode::NotFound,
              "WAL file " + which + " needed by this backup was not archived within " +
                  std::to_string(timeout.count()) + " s",
              "Every segment from " + first.file_name() + " to " + last.file_name() +
                  " must be archived; the backup was not marked complete and no sentinel was written.",
              "Check archive_command ('wal-e wal-push %p') and the server log for archiver errors, and that no "
              "delete removed WAL meanwhile; WALE_ARCHIVE_TIMEOUT sets the wait.");
}

}  // namespace wale::archive
