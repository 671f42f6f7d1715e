// WAL prefetch for restore_command: while PostgreSQL replays segment N, the
// next segments are downloaded in the background into
// <pg_wal>/.wal-e/prefetch-<boot id>-<archive>/<SEG>, decompressed and
// verified (the codec's checksum), and a later wal-fetch takes its segment
// from there with one rename.
//
// Safety: a prefetched file appears under its segment name only by an atomic
// rename of a completely downloaded and decompressed temporary file, so a
// partial file is never used; a download in progress is claimed by a
// directory running/<SEG> (mkdir is atomic), made only by a prefetcher
// holding the lock below: a claim with no lock holder is a killed
// prefetcher's, so wal-fetch does not wait for it and the next prefetcher
// removes it when it takes the lock (claims older than a minute are also
// considered abandoned). Everything in prefetch/ that is not one of the
// segments now expected (e.g. other timelines, older segments, hidden
// temporaries of a killed download) is removed. A wal-fetch waiting for a
// claimed segment sleeps on inotify (a rename into prefetch/, a claim
// removed), bounded at 10 s, then fetches in-band.
// Durability: no fsync anywhere on this path (an fsync of 16 MiB per segment
// would cost more than its decompression). PostgreSQL reads %p right after
// restore_command returns and never relies on it surviving a crash: after a
// crash recovery restarts from the last restartpoint and calls
// restore_command again. A process crash loses nothing that was written (the
// page cache holds it). A machine crash can: a spooled file renamed into
// place whose data never reached the disk may come back empty or with zeroed
// blocks, and zeroes read as the end of WAL would END recovery. So the spool
// is per boot (its directory is named after the kernel's boot id): after a
// reboot the old spool is never read, only removed, and the segments are
// fetched again. Within one boot a file appears under its segment's name only
// by rename of a complete, verified temporary.
// One archive per spool: <archive> is a hash of the store's location
// (bucket and prefix, or directory). Two archives may hold different
// segments under one name (a cluster restored twice and promoted twice, each
// copy archiving to its own prefix: both write timeline 2), so a segment
// prefetched from one is never handed out by a wal-fetch reading another
// (restore_command changed to another prefix, then recovery restarted): that
// wal-fetch uses its own spool and removes the other's.
// One prefetcher per prefetch directory: it holds <prefetch>.lock (flock)
// and, with a linger time, keeps the window full as wal-fetch consumes it
// (it notices consumed files, inotify) until a segment is not in the archive,
// nothing happened for `linger`, or the process is asked to stop. Its
// downloads are a pipeline: a worker starts the next segment as soon as the
// window has room, so a slow download holds up no other. While it runs,
// wal-fetch starts no other prefetcher and does not clean.
// Priority: the prefetcher is background work beside the process that needs
// its files, PostgreSQL's startup process (replay), which runs
// restore_command and waits for it. wal-fetch starts it kPrefetchNiceIncrement
// nice levels below itself, so that when both want the same core, replay
// gets it (on 2 otherwise idle cores the benchmark's wal-fetch x64 loop,
// which stands in for replay, ran ~8 % faster; docs/performance.md "Round
// 3"; it yields to unrelated load too). It is not starved: a wal-fetch
// waiting for a segment being prefetched sleeps, and after 10 s it fetches
// the segment itself.
// Thread-safe if the store is; throws wale::Error like wal_fetch.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "store/object_store.h"

namespace wale::archive {

// How many nice levels below wal-fetch its detached prefetcher runs (see the header).
inline constexpr int kPrefetchNiceIncrement = 3;

// <dirname(realpath(dest))>/.wal-e/prefetch-<boot id>-<archive>, where
// <archive> names `store`'s location, or "" (prefetch off) when the kernel's
// boot id cannot be read.
std::string prefetch_dir_for(const std::string& dest, const store::ObjectStore& store);

struct PrefetchPlan {
  std::string base;                  // prefetch directory
  std::vector<std::string> missing;  // segments to start downloading
  std::vector<std::string> window;   // the `depth` segments after the requested one (for wal_prefetch)
};

// wal-fetch with prefetch: takes `name` from the prefetch directory if it is
// there, otherwise fetches it in-band; then cleans the prefetch directory and
// returns the segments that should be fetched in the background (none when
// depth is 0 or `name` is not a segment, none while a prefetcher runs, and
// none while the next segment is on its way and at least half the window is
// present or in flight: refills come in batches). Returns {found, plan}.
// With `start_prefetch`, the plan is also handed to it as soon as it is
// known: when `name` must be fetched in-band and no prefetcher runs, once the
// archive is known to hold `name` and before downloading it (so that the
// background download of the next segments overlaps it; nothing is started
// for a segment the archive lacks), otherwise after the promotion.
struct PrefetchFetchResult {
  bool found = false;
  bool from_prefetch = false;
  PrefetchPlan plan;
};
PrefetchFetchResult wal_fetch_with_prefetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
                                            codec::Codec preferred, unsigned depth,
                                            const std::function<void(const PrefetchPlan&)>& start_prefetch = {});

// The wal-prefetch worker: downloads each segment into `base`, in parallel.
// Missing segments are skipped silently (the archive may not have them yet).
// Returns at once if another prefetcher holds the lock. With `linger` > 0,
// `segments` is the window (consecutive segments): as wal-fetch takes
// prefetched files away, the next segments are fetched so that the window
// stays full, until a segment is missing from the archive or nothing was
// taken for `linger` (see the header).
void wal_prefetch(store::ObjectStore& store, const std::string& base, const std::vector<std::string>& segments,
                  codec::Codec preferred, unsigned parallelism,
                  std::chrono::milliseconds linger = std::chrono::milliseconds(0));

}  // namespace wale::archive
