// The archive's owner: the identity object at the prefix root,
//
//   cluster_identity.json   {"system_identifier": "7301...", "pg_version": "15",
//                            "wal_segment_size": 16777216}
//
// WAL-E never reads it (it only lists basebackups_005/ and wal_005/), so
// archives stay readable by WAL-E. The system identifier is a decimal string:
// it does not fit a JSON number readers parse as a double. Pure, no I/O;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace wale::layout {

struct ClusterIdentity {
  std::uint64_t system_identifier = 0;  // 0 = unknown
  std::string pg_version;               // major version, "15"; empty = unknown
  std::uint32_t wal_segment_size = 0;   // bytes; 0 = unknown

  bool complete() const { return system_identifier != 0 && !pg_version.empty() && wal_segment_size != 0; }
  bool operator==(const ClusterIdentity&) const = default;
  // "system identifier 7301..., PostgreSQL 15, 16 MiB WAL segments" (known parts only).
  std::string describe() const;
};

// The key of the identity object, relative to the store's root.
std::string cluster_identity_key();

std::string format_cluster_identity(const ClusterIdentity& identity);
// Throws Error{Corrupt} (naming `where`) for malformed JSON or fields.
ClusterIdentity parse_cluster_identity(const std::string& json, const std::string& where);

// The first field in which two identities differ where both are known, as
// "system identifier 1 != 2"; empty when they agree on everything both know.
std::string identity_mismatch(const ClusterIdentity& archive, const ClusterIdentity& local);

}  // namespace wale::layout
