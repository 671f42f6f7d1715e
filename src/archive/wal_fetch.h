// wal-fetch: restore one WAL file (PostgreSQL's restore_command).
//
// Looks for wal_005/<name><ext> with the preferred codec first, then every
// other codec (so archives written by WAL-E, .lzo, restore too), decompresses
// it into `dest` through a temporary file renamed into place: `dest` is never
// left partial. Returns false (and writes nothing) only if the archive
// definitely does not hold the file: the object is absent AND the archive
// root (directory, bucket) is reachable (ObjectStore::check_access), so a
// missing bucket or unmounted disk throws instead. Throws Error{Corrupt} for
// damaged objects, Error{Usage} for a name that is not a WAL file name, other
// Error codes for storage failures (the store has retried transient ones),
// never Error{NotFound} (one from the store becomes Error{Remote}).
//
// The restore_command contract (PostgreSQL's RestoreArchivedFile): an exit
// status 1..125 means "not in the archive" and ENDS recovery -- the server
// promotes without the later WAL; only a status above 125 (or a signal) makes
// recovery stop with FATAL so the operator can fix the cause and start again.
// So wal-fetch exits 1 only when wal_fetch() returned false, and
// kRestoreFatalExit for every other failure (restore_exit_status()).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"
#include "store/object_store.h"

namespace wale::archive {

// 255: above 125 (fatal for restore_command), clear of the shell's 126/127
// ("cannot execute", "not found") and of 128+N (killed by signal N), which
// PostgreSQL reports differently, and what `exit -1` gives in scripts.
inline constexpr int kRestoreFatalExit = 255;

// wal-fetch's exit status for a failure: 1 for NotFound ("not in the
// archive", the only status that ends recovery), kRestoreFatalExit otherwise.
int restore_exit_status(ErrorCode code) noexcept;

// `found` (if set) is called once the object is known to exist, before it is
// downloaded (wal-fetch starts its prefetcher there).
bool wal_fetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
               codec::Codec preferred = codec::Codec::Zstd, const std::function<void()>& found = {});

}  // namespace wale::archive
