#include "archive/wal_fetch.h"

#include "archive/wal_archive.h"

#include "core/error.h"
#include "core/log.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"

namespace wale::archive {

int restore_exit_status(ErrorCode code) noexcept { return code == ErrorCode::NotFound ? 1 : kRestoreFatalExit; }

namespace {

bool fetch(store::ObjectStore& store, const std::string& name, const std::string& dest, codec::Codec preferred,
           const std::function<void()>& found) {
  auto source = WalArchive(store, preferred).open(name);
  if (!source) {
    // A 404 from S3 cannot tell "no such key" from "no such bucket", and an
    // empty directory is not a missing one: "not in the archive" ends
    // recovery, so say it only for an archive that is really there.
    store.check_access();
    return false;
  }
  if (found) found();
  log::info("wal_e.worker.download",
            {"begin wal restore", {}, {}, {{"action", "wal-fetch"}, {"seg", name}, {"state", "begin"}}});
  // PostgreSQL re-reads restored WAL after a crash, so no fsync is needed here;
  // the rename still guarantees dest is never partial.
  io::AtomicFileSink sink(dest, 0600, /*sync=*/false);
  try {
    io::copy(*source, sink);
  } catch (const Error& e) {
    throw Error(e.code(), "could not restore WAL file " + name + ": " + e.message(), e.detail(), e.hint());
  }
  sink.finish();
  log::info("wal_e.worker.download",
            {"complete wal restore", {}, {}, {{"action", "wal-fetch"}, {"seg", name}, {"state", "complete"}}});
  return true;
}

}  // namespace

bool wal_fetch(store::ObjectStore& store, const std::string& name, const std::string& dest, codec::Codec preferred,
               const std::function<void()>& found) {
  try {
    return fetch(store, name, dest, preferred, found);
  } catch (const Error& e) {
    // Only a false return means "not in the archive" (exit 1 ends recovery):
    // an Error{NotFound} from below -- a store's 404 after the lookup, a
    // missing bucket or key reported so -- is a failure like any other.
    if (e.code() == ErrorCode::NotFound) throw Error(ErrorCode::Remote, e.message(), e.detail(), e.hint());
    throw;
  }
}

}  // namespace wale::archive
