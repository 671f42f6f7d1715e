// The archive knows whose it is. WAL-E's README warns that two servers
// sharing a prefix make their backups unrecoverable: WAL of one cluster
// replayed into another. wal-push and wal-fetch therefore compare the cluster
// they serve with the archive's identity object (layout/cluster_identity.h):
//
//  - wal-push records it on first use (an empty archive, or one written by
//    WAL-E that has none) and refuses a mismatch with Error{Conflict};
//    backup-push refuses a mismatch too.
//  - wal-fetch refuses an identity object of another cluster than the data
//    directory it restores into (Error{Conflict} -> exit > 125: recovery
//    stops), and refuses a fetched segment whose page header names another
//    system identifier or segment size than expected (PostgreSQL would treat
//    it as the end of WAL and promote). Archives without identity object
//    (WAL-E's) are fetched from as before.
//
// Where the local identity comes from (no server connection: these run as
// archive_command/restore_command): %p is "pg_wal/<file>" and the data
// directory is the parent of pg_wal: PG_VERSION (major version) and
// global/pg_control (first 8 bytes: system identifier, native byte order);
// for wal-push the segment's long page header also gives the system
// identifier and the segment size. If nothing is known (a file outside a
// data directory, as in tools and tests), there is nothing to compare and
// no request is made.
//
// Latency: wal-push/wal-fetch run once per segment and must stay a few ms,
// so a verified identity is cached in <pg_wal>/.wal-e/identity together with
// the archive location it was verified against (a different prefix is
// checked afresh). A cache hit costs three small local reads and no request.
// The cache is only written after the object was read or written and
// matched; it is advisory (lost or stale cache -> one more GET). The trade:
// an identity object replaced in the archive after this cluster verified it
// is not noticed until the cache goes -- the other cluster is refused on its
// own first push, which is the case that matters.
// Thread-safety: free functions, no shared state; the cache file is written
// atomically (temp + rename), so concurrent callers see old or new content.
#pragma once

#include <optional>
#include <string>

#include "layout/cluster_identity.h"
#include "store/object_store.h"

namespace wale::archive {

// Identity from a data directory's PG_VERSION and global/pg_control (segment
// size unknown), or nullopt if pg_control is not readable.
std::optional<layout::ClusterIdentity> data_directory_identity(const std::string& data_dir);

// Identity of the cluster that asks to archive `wal_path` (%p): the segment's
// page header (if it is a segment) completed from the data directory above
// pg_wal; nullopt when no system identifier can be found.
std::optional<layout::ClusterIdentity> push_identity(const std::string& wal_path);

// The identity object in the store, or nullopt if there is none.
// Throws Error{Corrupt} for a damaged object, store errors as they come.
std::optional<layout::ClusterIdentity> read_archive_identity(store::ObjectStore& store);

// wal-push: checks (and on first use records) the archive's identity for the
// cluster pushing `wal_path`. Throws Error{Conflict} on a mismatch.
void check_identity_for_push(store::ObjectStore& store, const std::string& wal_path);

// backup-push of `data_dir`: throws Error{Conflict} if the archive's
// identity object names another cluster. Records nothing (the segment size
// is not in the data directory): the wal-push of the backup's WAL, which
// backup-push waits for, records it. One GET, no cache.
void check_identity_for_backup(store::ObjectStore& store, const std::string& data_dir);

// wal-fetch, before fetching into `dest` (%p): throws Error{Conflict} if the
// archive's identity object names another cluster than the data directory
// above dest. Returns what fetched segments must match: nullopt (and no
// request) when dest is not in a data directory. Never throws Error{NotFound}
// (which would end recovery): a store's NotFound becomes Error{Remote}.
std::optional<layout::ClusterIdentity> check_identity_for_fetch(store::ObjectStore& store, const std::string& dest);

// wal-fetch, before it answers "not in the archive" (exit 1, which ends
// recovery) for a file it was to restore into `dest`: if this data directory
// verified the archive's identity object before (the cache above), that
// object must still be there. An archive that lost it is not the archive
// recovery has been reading -- a file system no longer mounted at the
// archive root, another bucket or prefix, a deleted archive -- and its
// answer "absent" cannot be trusted: throws Error{Remote} (recovery stops).
// One stat, and only on this path; no request without a cache.
void check_absence_is_trustworthy(store::ObjectStore& store, const std::string& dest);

// wal-fetch, after restoring segment `name` into `dest`: if the file's page
// header names another system identifier or segment size than `expected`,
// removes dest and throws Error{Conflict}; if its first page's address is not
// the start of segment `name` (another segment under this name), removes dest
// and throws Error{Corrupt}. Both stop recovery. Other WAL files are not checked.
void check_fetched_segment(const std::string& name, const std::string& dest,
                           const std::optional<layout::ClusterIdentity>& expected, const std::string& location);

class WalArchive;
// backup-push, before its sentinel: throws Error{Conflict} unless the
// archived WAL file `name` (its long page header) names `system_identifier`
// (decimal): two clusters sharing a prefix have segments of the same names.
// An absent or unreadable segment counts as another cluster's.
void check_archived_segment_owner(const WalArchive& wal, const std::string& name, const std::string& system_identifier);

}  // namespace wale::archive
