// Writing one tar partition: entries -> tar -> compressor -> store object.
// The object is visible only when the whole partition was written.
// Throws wale::Error; on failure the store sink is abandoned.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backup/backup_plan.h"
#include "codec/codec.h"
#include "layout/backup_manifest.h"
#include "store/object_store.h"

namespace wale::backup {

struct PartitionStats {
  std::uint64_t tar_bytes = 0;         // uncompressed tar stream
  std::uint64_t compressed_bytes = 0;  // stored object
  std::uint64_t files = 0;
  PartitionStats& operator+=(const PartitionStats& o) {
    tar_bytes += o.tar_bytes;
    compressed_bytes += o.compressed_bytes;
    files += o.files;
    return *this;
  }
};

// Called after each read from a data file with the byte count (rate limiting,
// progress). May block (the rate limiter sleeps in it). Must be thread-safe
// when partitions are written in parallel.
using ReadHook = std::function<void(std::uint64_t)>;

// Each file's CRC-32C (of exactly the bytes stored in the tar) goes into
// `manifest` when it is given (not owned; thread-safe).
PartitionStats write_partition(store::ObjectStore& store, const std::string& key,
                               const std::vector<PlannedEntry>& entries, codec::Codec codec,
                               const ReadHook& on_read = {}, layout::ManifestBuilder* manifest = nullptr);

struct InlineFile {
  std::string name;
  std::string content;
};
// A partition of small files held in memory (backup_label, tablespace_map).
PartitionStats write_inline_partition(store::ObjectStore& store, const std::string& key,
                                      const std::vector<InlineFile>& files, codec::Codec codec);

// The CRC-32C and size a file gets in the manifest when stored as `content`.
layout::ManifestFile manifest_entry(const std::string& name, const std::string& content, std::int64_t mtime);

}  // namespace wale::backup
