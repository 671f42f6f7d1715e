// backup-fetch: restore a finished backup into an empty or absent directory.
//
// The target is created with mode 0700; a non-empty target is refused, as is
// one holding postmaster.pid. Partitions are streamed, decompressed (codec
// from the key's extension) and extracted by tar::SafeExtractor: nothing is
// ever written outside the target or the tablespace directories. Tablespaces
// go where the sentinel's spec says, or where --restore-spec FILE says
// ("SOURCE": the original locations). Empty excluded directories
// (pg_wal/archive_status...) are recreated; tablespace links are made from
// the spec (with blind_restore, tablespaces are restored as plain directories
// under pg_tblspc) and tablespace_map is removed. The partitions must be
// numbered without gaps and as many as the sentinel says, and the restored
// file count must match it (else Error{Corrupt}); uncompressed partitions are
// also checked against the stored backup_manifest. On failure the target and
// the tablespace directories are emptied again (they were empty or absent
// before; ones it created are removed) and the error is rethrown, so a half
// restore is never mistaken for a good one. global/pg_control is extracted
// under a temporary name and renamed into place last (after every other file
// is written, checked and synced), and an in-progress marker sits in the
// target and tablespace directories until then (names: layout/spool_layout.h):
// even SIGKILL leaves no startable directory, and a rerun into it explains
// (Error{Conflict}).
// Writing: each partition's files are written by a writer thread while its
// worker decompresses the next chunk; files of 1 MiB or more go around the
// page cache (O_DIRECT, where the file system allows it), which is what a
// restore of gigabytes is limited by otherwise. Nothing is fsynced per file:
// one syncfs() per file system at the end makes data and metadata durable
// before pg_control is renamed into place.
// Stopped by a signal (process StopToken): Error{Cancelled}. Throws wale::Error.
#pragma once

#include <optional>
#include <string>

#include "layout/archive_layout.h"
#include "store/object_store.h"

namespace wale::backup {

struct BackupFetchOptions {
  std::string target;
  layout::BackupQuery query;
  std::string restore_spec;  // "", a JSON file path, or "SOURCE"
  bool blind_restore = false;
  unsigned pool_size = 2;      // partitions downloaded and extracted at once
  bool show_progress = false;  // a progress line on stderr
};

struct BackupFetchResult {
  std::string name;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t direct_files = 0;  // files written (at least partly) with O_DIRECT
};

BackupFetchResult backup_fetch(store::ObjectStore& store, const BackupFetchOptions& options);

}  // namespace wale::backup
