#include "archive/archive_identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>

#include "archive/wal_archive.h"
#include "core/error.h"
#include "core/log.h"
#include "io/file_streams.h"
#include "io/unique_fd.h"
#include "layout/spool_layout.h"
#include "pg/control_file.h"
#include "pg/lsn.h"
#include "pg/wal_segment_header.h"

namespace wale::archive {
namespace {

constexpr const char* kLogger = "wal_e.identity";

// Up to `max` bytes from the start of `path`, or nullopt if it cannot be opened.
std::optional<std::string> read_head(const std::string& path, std::size_t max) {
  // Only a regular file can be read twice: opening or reading a pipe or a
  // FIFO would disturb the stream wal-push stores next (checked before open).
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string buf(max, '\0');
  std::size_t got = 0;
  while (got < max) {
    ssize_t n = ::read(fd.get(), buf.data() + got, max - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  return buf;
}

// A long page header as PostgreSQL writes it, not bytes that happen to have
// XLP_LONG_HEADER set: an XLOG_PAGE_MAGIC of some release (0xD0xx/0xD1xx), a
// power-of-two segment size PostgreSQL allows (1 MiB .. 1 GiB), and a page
// address at a segment boundary.
std::optional<pg::WalSegmentHeader> plausible_header(const std::string& head) {
  auto h = pg::parse_wal_segment_header(std::as_bytes(std::span(head.data(), head.size())));
  if (!h || h->system_identifier == 0) return std::nullopt;
  std::uint16_t magic_family = h->magic & 0xFF00;
  std::uint32_t size = h->segment_size;
  bool power_of_two = size != 0 && (size & (size - 1)) == 0;
  if ((magic_family != 0xD000 && magic_family != 0xD100) || !power_of_two || size < (1u << 20) || size > (1u << 30) ||
      h->page_address % size != 0) {
    return std::nullopt;
  }
  return h;
}

std::string pg_wal_dir_of(const std::string& path) { return std::filesystem::absolute(path).parent_path().string(); }

// The data directory above pg_wal/<file>: not resolving links (pg_wal is often one).
std::string data_dir_of(const std::string& path) {
  return std::filesystem::absolute(path).parent_path().parent_path().string();
}

std::string location_of(store::ObjectStore& store) { return store.describe(layout::cluster_identity_key()); }

// The cached identity if it was verified against this location and agrees with `local`.
std::optional<layout::ClusterIdentity> cached(const std::string& pg_wal, const std::string& location,
                                              const layout::ClusterIdentity& local) {
  auto text = read_head(layout::identity_cache_path(pg_wal), 4096);
  if (!text) return std::nullopt;
  auto nl = text->find('\n');
  if (nl == std::string::npos || text->substr(0, nl) != location) return std::nullopt;
  try {
    auto id = layout::parse_cluster_identity(text->substr(nl + 1), layout::identity_cache_path(pg_wal));
    if (id.system_identifier != local.system_identifier || !layout::identity_mismatch(id, local).empty()) {
      return std::nullopt;
    }
    return id;
  } catch (const Error&) {
    return std::nullopt;  // a damaged cache is only a miss
  }
}

void write_cache(const std::string& pg_wal, const std::string& location, const layout::ClusterIdentity& id) {
  try {
    io::make_dirs(layout::spool_dir(pg_wal), 0700);
    io::AtomicFileSink sink(layout::identity_cache_path(pg_wal), 0600, /*sync=*/false);
    sink.write(std::string_view(location + "\n" + layout::format_cluster_identity(id)));
    sink.finish();
  } catch (const Error& e) {
    // Only a cache: the next call asks the archive again.
    log::warning(kLogger, {"could not cache the archive's identity", e.message(), {}, {}});
  }
}

Error mismatch_error(store::ObjectStore& store, const layout::ClusterIdentity& archived,
                     const layout::ClusterIdentity& local, const std::string& why) {
  return Error(ErrorCode::Conflict, "the archive " + location_of(store) + " belongs to another cluster (" + why + ")",
               "The archive is of " + archived.describe() + "; this cluster is " + local.describe() + ".",
               "Give each cluster its own prefix (two clusters sharing one make both unrecoverable); if this "
               "cluster replaces the archived one, move the old archive away first.");
}

}  // namespace

std::optional<layout::ClusterIdentity> data_directory_identity(const std::string& data_dir) {
  auto system_identifier = pg::read_system_identifier(data_dir);
  if (!system_identifier) return std::nullopt;
  layout::ClusterIdentity id;
  id.system_identifier = *system_identifier;
  if (auto version = read_head(data_dir + "/PG_VERSION", 64)) {
    std::string v = *version;
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
    id.pg_version = v;
  }
  return id;
}

std::optional<layout::ClusterIdentity> push_identity(const std::string& wal_path) {
  auto id = data_directory_identity(data_dir_of(wal_path)).value_or(layout::ClusterIdentity{});
  if (pg::classify_wal_file(io::base_name(wal_path)) == pg::WalFileKind::Segment) {
    if (auto head = read_head(wal_path, pg::kWalLongHeaderSize)) {
      if (auto h = plausible_header(*head)) {
        id.system_identifier = h->system_identifier;
        id.wal_segment_size = h->segment_size;
      }
    }
  }
  if (id.system_identifier == 0) return std::nullopt;
  return id;
}

std::optional<layout::ClusterIdentity> read_archive_identity(store::ObjectStore& store) {
  auto text = store::get_bytes(store, layout::cluster_identity_key());
  if (!text) return std::nullopt;
  return layout::parse_cluster_identity(*text, location_of(store));
}

void check_identity_for_push(store::ObjectStore& store, const std::string& wal_path) {
  auto local = push_identity(wal_path);
  if (!local) return;  // not in a data directory: nothing to compare
  const std::string pg_wal = pg_wal_dir_of(wal_path);
  const std::string location = location_of(store);
  if (cached(pg_wal, location, *local)) return;

  auto archived = read_archive_identity(store);
  if (!archived) {
    if (!local->complete()) return;  // recorded by the first push of a segment
    // Create-only: of two clusters starting on one empty prefix at once, the
    // first to publish owns it; the other reads that back here and is refused.
    store::PutOptions create_only{"application/json"};
    create_only.if_absent = true;
    try {
      store::put_bytes(store, layout::cluster_identity_key(), layout::format_cluster_identity(*local), create_only);
      log::info(kLogger, {"recorded the archive's identity", local->describe(), {}, {{"key", location}}});
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Conflict) throw;
    }
    archived = read_archive_identity(store);
    if (!archived) {
      throw Error(ErrorCode::Remote, "the archive's identity object vanished right after it was written",
                  "The key is " + location + ".", "Check that nothing else deletes objects in this prefix.");
    }
  }
  if (auto why = layout::identity_mismatch(*archived, *local); !why.empty()) {
    throw mismatch_error(store, *archived, *local, why);
  }
  write_cache(pg_wal, location, *archived);
}

void check_identity_for_backup(store::ObjectStore& store, const std::string& data_dir) {
  auto local = data_directory_identity(data_dir);
  if (!local) return;  // not a data directory: backup-push itself says so
  auto archived = read_archive_identity(store);
  if (!archived) return;
  if (auto why = layout::identity_mismatch(*archived, *local); !why.empty()) {
    throw mismatch_error(store, *archived, *local, why);
  }
}

namespace {

std::optional<layout::ClusterIdentity> identity_for_fetch(store::ObjectStore& store, const std::string& dest) {
  auto local = data_directory_identity(data_dir_of(dest));
  if (!local) return std::nullopt;  // not restoring into a data directory: nothing to compare, no request
  const std::string pg_wal = pg_wal_dir_of(dest);
  const std::string location = location_of(store);
  if (auto hit = cached(pg_wal, location, *local)) return hit;
  auto archived = read_archive_identity(store);
  if (!archived) return local;  // an archive written by WAL-E: segments are checked against pg_control
  if (auto why = layout::identity_mismatch(*archived, *local); !why.empty()) {
    throw mismatch_error(store, *archived, *local, why);
  }
  write_cache(pg_wal, location, *archived);
  return archived;
}

// Runs `f` for wal-fetch: restore_command exits 1 ("not in the archive":
// recovery ends) for Error{NotFound}, so a 404 from the store while checking
// the identity is a failure like any other and becomes Error{Remote}.
template <typename F>
auto never_not_found(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) throw Error(ErrorCode::Remote, e.message(), e.detail(), e.hint());
    throw;
  }
}

}  // namespace

std::optional<layout::ClusterIdentity> check_identity_for_fetch(store::ObjectStore& store, const std::string& dest) {
  return never_not_found([&] { return identity_for_fetch(store, dest); });
}

void check_absence_is_trustworthy(store::ObjectStore& store, const std::string& dest) {
  auto local = data_directory_identity(data_dir_of(dest));
  if (!local) return;
  const std::string pg_wal = pg_wal_dir_of(dest);
  const std::string location = location_of(store);
  if (!cached(pg_wal, location, *local)) return;  // never verified from here: nothing to compare
  if (never_not_found([&] { return store.stat(layout::cluster_identity_key()); })) return;
  throw Error(ErrorCode::Remote, "the archive " + location + " has lost its identity object",
              "A WAL file was not found there, but the identity object this data directory verified in the "
              "archive earlier is gone too, so the answer \"not in the archive\" cannot be trusted: the archive "
              "is not the one recovery has been reading (a file system no longer mounted at its root, another "
              "bucket or prefix, or a deleted archive).",
              "Make the archive available again and PostgreSQL retries; if it was replaced on purpose, remove " +
                  layout::identity_cache_path(pg_wal) + ".");
}

void check_fetched_segment(const std::string& name, const std::string& dest,
                           const std::optional<layout::ClusterIdentity>& expected, const std::string& location) {
  if (!expected || pg::classify_wal_file(name) != pg::WalFileKind::Segment) return;
  auto head = read_head(dest, pg::kWalLongHeaderSize);
  if (!head) return;
  auto h = plausible_header(*head);
  if (!h) return;  // not a WAL page header: PostgreSQL's own checks report it
  layout::ClusterIdentity got{h->system_identifier, {}, h->segment_size};
  if (auto why = layout::identity_mismatch(*expected, got); !why.empty()) {
    ::unlink(dest.c_str());
    throw Error(ErrorCode::Conflict, "WAL file " + name + " in the archive belongs to another cluster (" + why + ")",
                "Expected " + expected->describe() + "; the file's page header says " + got.describe() +
                    ". The archive is " + location + ".",
                "Another cluster has archived into this prefix: give each cluster its own prefix, and restore "
                "from the archive this cluster wrote.");
  }
  // The first page's address is the start of the segment its name says (also
  // the first segment of a timeline, whose pages come from its parent). Another
  // segment under this name -- an object renamed or copied by hand, a store
  // serving the wrong object -- would read to PostgreSQL as the end of WAL
  // ("unexpected pageaddr") and could end recovery early.
  auto seg = pg::WalSegment::parse(name, h->segment_size);
  if (seg && h->page_address != seg->start_lsn().value) {
    ::unlink(dest.c_str());
    throw Error(ErrorCode::Corrupt, "WAL file " + name + " in the archive holds another segment",
                "Its first page is at " + pg::Lsn{h->page_address}.to_string() + ", segment " + name + " starts at " +
                    seg->start_lsn().to_string() + ". The archive is " + location + ".",
                "The object was renamed, copied over or mixed up in the store; restore the right one, and "
                "PostgreSQL retries.");
  }
}

void check_archived_segment_owner(const WalArchive& wal, const std::string& name,
                                  const std::string& system_identifier) {
  auto source = wal.open(name);
  std::array<std::byte, pg::kWalLongHeaderSize> head{};
  std::size_t n = source ? io::read_full(*source, head) : 0;
  auto header = pg::parse_wal_segment_header(std::span<const std::byte>(head.data(), n));
  if (!header || std::to_string(header->system_identifier) != system_identifier) {
    throw Error(ErrorCode::Conflict, "WAL file " + name + " in the archive belongs to another cluster",
                "Its system identifier is " + (header ? std::to_string(header->system_identifier) : "unreadable") +
                    ", this cluster's is " + system_identifier + "; the backup was not marked complete.",
                "Give each cluster its own prefix.");
  }
}

}  // namespace wale::archive
