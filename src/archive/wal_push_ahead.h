// wal-push with push-ahead: archives the file PostgreSQL asked for and hands
// other segments already marked .ready in archive_status to a background
// worker, so that later archive_command calls find them stored and return at
// once.
//
// - The requested file is pushed before wal_push_with_ahead() returns, and its
//   result decides the outcome: success only once it is durably stored.
// - A worker claims a segment with a directory <dir>/.wal-e/pushing/<name>
//   (mkdir is atomic); a wal-push for a claimed segment waits for the worker
//   (bounded), then pushes it itself if the worker did not finish.
// - For each segment stored, a marker <dir>/.wal-e/pushed/<name> records the
//   file's identity (inode, size, mtime), the stored object's key and size,
//   and the XXH3-128 hash of the bytes pushed. A later wal-push of that
//   segment trusts the marker only if the file's current hash equals the
//   marker's and the object still exists with that size (a few ms of hashing
//   and a stat instead of an upload). Size, inode and mtime alone are not
//   enough: every segment is 16 MiB and a recycled file keeps its inode. The
//   identity only lets the ahead set skip segments already pushed.
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
// - PostgreSQL's archive_status files are only read, never renamed or removed.
// Thread-safe if the store is. Throws like wal_push.
#pragma once

#include <string>
#include <vector>

#include "archive/wal_push.h"

namespace wale::archive {

struct PushAheadOptions {
  codec::Codec codec = codec::Codec::Zstd;
  unsigned pool_size = 1;  // worker threads; 1 disables push-ahead. The worker gets up to
                           // max(8, 4 x pool_size) ready segments per call.
};

struct PushAheadResult {
  WalPushResult result = WalPushResult::Stored;
  std::vector<std::string> ahead;  // ready segments for wal_push_ahead_worker (oldest first)
};

PushAheadResult wal_push_with_ahead(store::ObjectStore& store, const std::string& path,
                                    const PushAheadOptions& options);

// Pushes `segments` of `wal_dir` in parallel (pool_size threads), each under
// its claim; failures are logged and skipped (PostgreSQL asks again).
void wal_push_ahead_worker(store::ObjectStore& store, const std::string& wal_dir,
                           const std::vector<std::string>& segments, const PushAheadOptions& options);

}  // namespace wale::archive
