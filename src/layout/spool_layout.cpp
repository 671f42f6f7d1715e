#include "layout/spool_layout.h"

namespace wale::layout {

std::string spool_dir(const std::string& wal_dir) { return wal_dir + "/" + std::string(kSpoolDirName); }
std::string identity_cache_path(const std::string& wal_dir) { return spool_dir(wal_dir) + "/identity"; }
std::string push_marker_dir(const std::string& wal_dir) { return spool_dir(wal_dir) + "/pushed"; }
std::string push_marker_path(const std::string& wal_dir, const std::string& segment) {
  return push_marker_dir(wal_dir) + "/" + segment;
}
std::string push_claim_dir(const std::string& wal_dir) { return spool_dir(wal_dir) + "/pushing"; }
std::string push_claim_path(const std::string& wal_dir, const std::string& segment) {
  return push_claim_dir(wal_dir) + "/" + segment;
}
std::string push_claim_owner_path(const std::string& wal_dir, const std::string& segment) {
  return push_claim_path(wal_dir, segment) + "/owner";
}
std::string push_ahead_lock_path(const std::string& wal_dir) { return spool_dir(wal_dir) + "/push-ahead.lock"; }
std::string fs_clock_probe_path(const std::string& wal_dir) { return spool_dir(wal_dir) + "/clock"; }
std::string prefetch_dir(const std::string& wal_dir, const std::string& boot_id, const std::string& archive) {
  return spool_dir(wal_dir) + "/prefetch-" + boot_id + "-" + archive;
}
bool is_prefetch_dir_name(std::string_view name) {
  return name == "prefetch" || name == "prefetch.lock" || name.starts_with("prefetch-");
}
std::string push_ahead_socket_path(const std::string& wal_dir, const std::string& fingerprint) {
  return spool_dir(wal_dir) + "/push-ahead-" + fingerprint + ".sock";
}
std::string prefetch_path(const std::string& prefetch_dir, const std::string& segment) {
  return prefetch_dir + "/" + segment;
}
std::string prefetch_claim_dir(const std::string& prefetch_dir) {
  return prefetch_dir + "/" + std::string(kPrefetchClaimDirName);
}
std::string prefetch_claim_path(const std::string& prefetch_dir, const std::string& segment) {
  return prefetch_claim_dir(prefetch_dir) + "/" + segment;
}

std::string prefetch_lock_path(const std::string& prefetch_dir) { return prefetch_dir + ".lock"; }

}  // namespace wale::layout
