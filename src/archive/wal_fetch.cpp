#include "archive/wal_fetch.h"

#include "core/error.h"
#include "core/log.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"

namespace wale::archive {

int restore_exit_status(ErrorCode code) noexcept { return code == ErrorCode::NotFound ? 1 : kRestoreFatalExit; }

std::vector<codec::Codec> lookup_order(codec::Codec preferred) {
  std::vector<codec::Codec> order{preferred};
  for (codec::Codec c : {codec::Codec::Lzop, codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::None}) {
    if (c != preferred) order.push_back(c);
  }
  return order;
}

std::optional<std::string> find_wal_key(store::ObjectStore& store, const std::string& name, codec::Codec preferred) {
  for (codec::Codec c : lookup_order(preferred)) {
    std::string key = layout::wal_key(name, c);
    if (store.stat(key)) return key;
  }
  return std::nullopt;
}

std::unique_ptr<io::ByteSource> open_wal(store::ObjectStore& store, const std::string& name,
                                         codec::Codec preferred) {
  if (pg::classify_wal_file(name) == pg::WalFileKind::Invalid) {
    throw Error(ErrorCode::Usage, "\"" + name + "\" is not a WAL file name", {},
                "restore_command should pass \"%f\" \"%p\" to wal-fetch.");
  }
  for (codec::Codec c : lookup_order(preferred)) {
    auto source = store.get(layout::wal_key(name, c));
    if (source) return std::make_unique<io::FilterSource>(codec::make_decompressor(c), std::move(source));
  }
  return nullptr;
}

bool wal_fetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
               codec::Codec preferred) {
  auto source = open_wal(store, name, preferred);
  if (!source) {
    // A 404 from S3 cannot tell "no such key" from "no such bucket", and an
    // empty directory is not a missing one: "not in the archive" ends
    // recovery, so say it only for an archive that is really there.
    store.check_access();
    return false;
  }
  log::info("wal_e.worker.download", {"begin wal restore", {}, {},
                                       {{"action", "wal-fetch"}, {"seg", name}, {"state", "begin"}}});
  // PostgreSQL re-reads restored WAL after a crash, so no fsync is needed here;
  // the rename still guarantees dest is never partial.
  io::AtomicFileSink sink(dest, 0600, /*sync=*/false);
  try {
    io::copy(*source, sink);
  } catch (const Error& e) {
    throw Error(e.code(), "could not restore WAL file " + name + ": " + e.message(), e.detail(), e.hint());
  }
  sink.finish();
  log::info("wal_e.worker.download", {"complete wal restore", {}, {},
                                       {{"action", "wal-fetch"}, {"seg", name}, {"state", "complete"}}});
  return true;
}

}  // namespace wale::archive
