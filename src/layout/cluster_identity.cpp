#include "layout/cluster_identity.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace wale::layout {

std::string ClusterIdentity::describe() const {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (system_identifier != 0) add("system identifier " + std::to_string(system_identifier));
  if (!pg_version.empty()) add("PostgreSQL " + pg_version);
  if (wal_segment_size != 0) {
    add(wal_segment_size % (1u << 20) == 0 ? std::to_string(wal_segment_size >> 20) + " MiB WAL segments"
                                           : std::to_string(wal_segment_size) + "-byte WAL segments");
  }
  return s.empty() ? "unknown cluster" : s;
}

std::string cluster_identity_key() { return "cluster_identity.json"; }

std::string format_cluster_identity(const ClusterIdentity& identity) {
  nlohmann::ordered_json j;
  j["system_identifier"] = std::to_string(identity.system_identifier);
  j["pg_version"] = identity.pg_version;
  j["wal_segment_size"] = identity.wal_segment_size;
  return j.dump() + "\n";
}

ClusterIdentity parse_cluster_identity(const std::string& json, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::Corrupt, "the archive's identity object is damaged", where + ": " + why,
                 "Restore it from a copy, or remove it to let the next wal-push record this cluster again.");
  };
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw bad("not a JSON object");
  ClusterIdentity id;
  try {
    const std::string sysid = j.at("system_identifier").get<std::string>();
    std::size_t pos = 0;
    id.system_identifier = std::stoull(sysid, &pos);
    if (pos != sysid.size() || id.system_identifier == 0) throw bad("bad system_identifier \"" + sysid + "\"");
    id.pg_version = j.at("pg_version").get<std::string>();
    id.wal_segment_size = j.at("wal_segment_size").get<std::uint32_t>();
  } catch (const nlohmann::json::exception& e) {
    throw bad(e.what());
  } catch (const std::logic_error& e) {  // stoull
    throw bad(e.what());
  }
  return id;
}

std::string identity_mismatch(const ClusterIdentity& archive, const ClusterIdentity& local) {
  if (archive.system_identifier != 0 && local.system_identifier != 0 &&
      archive.system_identifier != local.system_identifier) {
    return "system identifier " + std::to_string(archive.system_identifier) +
           " != " + std::to_string(local.system_identifier);
  }
  if (!archive.pg_version.empty() && !local.pg_version.empty() && archive.pg_version != local.pg_version) {
    return "PostgreSQL " + archive.pg_version + " != " + local.pg_version;
  }
  if (archive.wal_segment_size != 0 && local.wal_segment_size != 0 &&
      archive.wal_segment_size != local.wal_segment_size) {
    return "WAL segment size " + std::to_string(archive.wal_segment_size) +
           " != " + std::to_string(local.wal_segment_size);
  }
  return {};
}

}  // namespace wale::layout
