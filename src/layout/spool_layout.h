// The local paths wal-e creates outside the archive. Pure functions, no I/O;
// thread-safe.
//
//   <pg_wal>/.wal-e/identity             verified archive identity (archive/archive_identity.h)
//   <pg_wal>/.wal-e/pushed/<SEG>         push-ahead markers (archive/wal_push_ahead.h)
//   <pg_wal>/.wal-e/pushing/<SEG>        push-ahead claims (directories)
//   <pg_wal>/.wal-e/push-ahead.lock      held (flock) by the one running push-ahead worker
//   <pg_wal>/.wal-e/clock                empty; its ctime is set to read the file system's clock
//                                        (archive/wal_push_ahead.h)
//   <pg_wal>/.wal-e/prefetch-<BOOT>-<ARCHIVE>/<SEG>  prefetched segments (archive/wal_prefetch.h),
//                                        BOOT = the kernel's boot id when they were written,
//                                        ARCHIVE = a hash of the archive they came from
//   <pg_wal>/.wal-e/prefetch-<BOOT>-<ARCHIVE>/running/<SEG>  prefetch claims (directories)
//   <pg_wal>/.wal-e/prefetch-<BOOT>-<ARCHIVE>.lock  held (flock) by the one running prefetcher
//   <target>/.wal-e-restore-in-progress  backup-fetch's marker (backup/backup_fetch.h)
//   <target>/global/.pg_control.wal-e-restore  pg_control until the restore is complete
//
// <pg_wal> is the directory holding the WAL file PostgreSQL passes as %p.
#pragma once

#include <string>
#include <string_view>

namespace wale::layout {

// The name of wal-e's spool directory inside pg_wal (base backups skip its contents).
inline constexpr std::string_view kSpoolDirName = ".wal-e";

std::string spool_dir(const std::string& wal_dir);
std::string identity_cache_path(const std::string& wal_dir);
std::string push_marker_dir(const std::string& wal_dir);
std::string push_marker_path(const std::string& wal_dir, const std::string& segment);
std::string push_claim_dir(const std::string& wal_dir);
std::string push_claim_path(const std::string& wal_dir, const std::string& segment);
// The file in a claim directory that names the claiming process (its pid).
std::string push_claim_owner_path(const std::string& wal_dir, const std::string& segment);
std::string push_ahead_lock_path(const std::string& wal_dir);
std::string fs_clock_probe_path(const std::string& wal_dir);
// `boot_id`: the kernel's boot id (a spool written before a machine crash is
// never read after it); `archive`: names the archive the segments come from
// (a spool filled from another prefix is never read); see archive/wal_prefetch.h.
std::string prefetch_dir(const std::string& wal_dir, const std::string& boot_id, const std::string& archive);
// True for the name (in spool_dir) of any prefetch directory or its lock,
// of any boot and archive (and of wal-e versions that had one "prefetch"
// directory, or one per boot).
bool is_prefetch_dir_name(std::string_view name);
// The push-ahead worker's Unix socket for settings with `fingerprint`
// (app/forwarding.h: settings_fingerprint): a call with other settings finds none.
std::string push_ahead_socket_path(const std::string& wal_dir, const std::string& fingerprint);
// Paths inside a prefetch directory (as prefetch_dir returns it).
inline constexpr std::string_view kPrefetchClaimDirName = "running";
std::string prefetch_path(const std::string& prefetch_dir, const std::string& segment);
std::string prefetch_claim_dir(const std::string& prefetch_dir);
std::string prefetch_claim_path(const std::string& prefetch_dir, const std::string& segment);
std::string prefetch_lock_path(const std::string& prefetch_dir);

// backup-fetch: present in the target (and each tablespace directory) while
// a restore is in progress; removed last.
inline constexpr const char* kRestoreInProgressMarker = ".wal-e-restore-in-progress";
// The tar member global/pg_control is extracted as global/<kRestoreControlTemp>
// and renamed into place last.
inline constexpr const char* kRestoreControlMember = "global/pg_control";
inline constexpr const char* kRestoreControlTemp = ".pg_control.wal-e-restore";

}  // namespace wale::layout
