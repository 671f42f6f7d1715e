// wal-push with push-ahead: archives the file PostgreSQL asked for and, in
// parallel, other segments already marked .ready in archive_status, so that
// archive_command keeps up with bursts of WAL.
//
// - The requested file is pushed first and its result decides the outcome:
//   the call returns only once it is durably stored.
// - Other ready segments (24-hex names only, oldest first, at most
//   pool_size - 1) are pushed on the same TaskGroup; their failures are logged
//   and otherwise ignored (PostgreSQL will ask for them again).
// - PostgreSQL's archive_status files are only read, never renamed or removed.
// - For each segment stored, a marker <dir>/.wal-e/pushed/<name> records the
//   file's identity (inode, size, mtime) and the stored object's key and size.
//   A later wal-push of that segment whose file still matches the marker and
//   whose object still has that size returns at once (a stat, not a re-read).
// Thread-safe if the store is. Throws like wal_push.
#pragma once

#include "archive/wal_push.h"

namespace wale::archive {

struct PushAheadOptions {
  codec::Codec codec = codec::Codec::Zstd;
  unsigned pool_size = 1;  // 1 disables push-ahead
};

WalPushResult wal_push_with_ahead(store::ObjectStore& store, const std::string& path, const PushAheadOptions& options);

}  // namespace wale::archive
