// wal-push with push-ahead: archives the file PostgreSQL asked for and hands
// other segments already marked .ready in archive_status to a background
// worker, so that later archive_command calls find them stored and return at
// once.
//
// - The requested file is pushed before wal_push_with_ahead() returns, and its
//   result decides the outcome: success only once it is durably stored.
// - A worker claims a segment with a directory <dir>/.wal-e/pushing/<name>
//   (mkdir is atomic); a wal-push for a claimed segment waits for the worker
//   (bounded; woken by the claim's removal, inotify), then pushes it itself if
//   the worker did not finish. A wal-push that pushes its segment itself
//   claims it too, so that a running worker does not push it a second time.
// - For each segment stored, a marker <dir>/.wal-e/pushed/<name> records the
//   file's identity (device, inode, size, mtime, ctime), the stored object's
//   key and size, and the XXH3-128 hash of the bytes pushed. A later wal-push
//   of that segment trusts the marker only if the object still exists with
//   that size (one stat) and the file is provably the one that was pushed:
//    * by identity (no read, PushAheadResult::confirmed == Identity) when the
//      marker says the file was "settled": its ctime was older than the file
//      system's own clock at a moment before the pusher began reading it (so
//      the clock had moved on: any later write or rename sets a ctime at
//      least that new, hence a different one), and a stat before opening it
//      and an fstat after reading it gave the same identity (nothing changed
//      while it was read); and the file's identity now is still exactly that
//      one. The file system's clock is read by setting the ctime of
//      <dir>/.wal-e/clock (futimens, then fstat; on the segment's device)
//      after the segment's first stat and before it is opened: the kernel
//      stamps both files from the same real-time clock (coarse ticks or
//      multigrain timestamps), so whatever the timestamps' granularity, a
//      change after the probe gets a ctime at least the probe's. Only when
//      that probe fails (another file system, no writable .wal-e) the ctime
//      must be at least PushAheadOptions::settled_age older than
//      CLOCK_REALTIME when the pusher began, which assumes timestamps at
//      least that fine. ctime cannot be set by any user: a rewrite in place
//      (even one restoring mtime), a rename (PostgreSQL's recycling) or a
//      replacement by another file changes it. Both rules assume that the
//      system clock is not stepped back past the recorded ctime between the
//      push and the confirmation.
//    * otherwise by content (ContentHash): the file's current hash equals the
//      marker's (a few ms of reading and hashing).
//   Size, inode and mtime alone would not be enough: every segment is 16 MiB,
//   a recycled file keeps its inode, and mtime can be set back.
//   The marker also lets the ahead set skip segments already pushed.
// - The worker never publishes a file PostgreSQL may have recycled. PostgreSQL
//   renames (recycles) pg_wal/<seg> into a future segment and overwrites it
//   only after archive_status/<seg>.ready became .done (XLogArchiveCheckDone
//   at a checkpoint), and nothing recreates <seg>.ready once it is .done. So
//   after reading the whole file and before publishing the object, the worker
//   checks that <seg>.ready still exists (and that pg_wal/<seg> is still the
//   inode it read): then no recycling began before that moment, and every byte
//   read was this segment's. Otherwise it abandons the push; nothing is
//   published (PostgreSQL has archived the segment itself). The push
//   PostgreSQL asked for needs no such check: its .ready stays until it returns.
// - One worker per WAL directory: it holds <dir>/.wal-e/push-ahead.lock
//   (flock) while it runs. It keeps pool_size segments in compression, always
//   the oldest it has queued, and whenever its queue runs dry it looks for
//   more ready segments (never retrying one it already tried), so that it
//   keeps ahead of PostgreSQL until no ready segment is left. While a worker holds the
//   lock, wal_push_with_ahead() neither scans archive_status nor proposes an
//   ahead set: the caller starts no second worker and spends no time looking.
//   A worker started while another runs waits for the lock, then looks again.
// - The worker process (wal-e wal-push-ahead, app/commands.cpp) also answers
//   wal-push calls of the same settings over a Unix socket while it lives
//   (layout::push_ahead_socket_path): it runs wal_push_with_ahead for them
//   with its warm store, so that a call does no store request of its own.
// - PostgreSQL's archive_status files are only read, never renamed or removed.
// Thread-safe if the store is. Throws like wal_push.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/wal_push.h"

namespace wale::archive {

struct PushAheadOptions {
  codec::Codec codec = codec::Codec::Zstd;
  unsigned pool_size = 1;  // segments the worker reads and compresses at once (each gives its
                           // slot back before its fsync and rename, so up to 2 x pool_size
                           // threads); 1 disables push-ahead. The worker queues up to
                           // max(8, 4 x pool_size) ready segments per look.
  // When the file system's clock cannot be read (see the header): how long a
  // file must have been unchanged (ctime) before its push for its marker to be
  // trusted by identity alone. Tests shorten it.
  std::chrono::milliseconds settled_age{1000};
  // Reads the file system's clock (ns since the epoch) for segments of
  // `wal_dir` on device `dev`; nullopt when it cannot (settled_age decides).
  // Empty: the probe file described in the header. Tests replace it.
  std::function<std::optional<std::int64_t>(const std::string& wal_dir, std::uint64_t dev)> fs_clock{};
};

// How a pushed-ahead segment was recognised as already archived.
enum class MarkerConfirmation { None, Identity, ContentHash };

struct PushAheadResult {
  WalPushResult result = WalPushResult::Stored;
  MarkerConfirmation confirmed = MarkerConfirmation::None;  // None: pushed (or compared) by wal_push
  std::vector<std::string> ahead;  // ready segments for wal_push_ahead_worker (oldest first), found before the
                                   // push and handed to start_ahead; empty while a worker runs
};

// When no worker runs, the other ready segments are looked up before the
// requested file is pushed, returned in `ahead` and handed to `start_ahead`
// (optional) at once, so that a worker it starts compresses them while this
// call pushes its own. The outcome is only the requested file's.
PushAheadResult wal_push_with_ahead(store::ObjectStore& store, const std::string& path, const PushAheadOptions& options,
                                    const std::function<void(std::vector<std::string>)>& start_ahead = {});

// Pushes `segments` of `wal_dir` in parallel (pool_size at once, oldest
// first), each under its claim, then further ready segments until none is
// left (see the header); holds the worker lock meanwhile (waits for it first). Failures
// are logged and skipped (PostgreSQL asks again). Returns early once the
// process stop token is set.
void wal_push_ahead_worker(store::ObjectStore& store, const std::string& wal_dir,
                           const std::vector<std::string>& segments, const PushAheadOptions& options);

// True while a push-ahead worker (of any process, this one included) holds
// the worker lock of `wal_dir`.
bool push_ahead_worker_running(const std::string& wal_dir);

}  // namespace wale::archive
