// Writing one tar partition: entries -> tar -> compressor -> store object.
// The object is visible only when the whole partition was written.
// Throws wale::Error; on failure the store sink is abandoned.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

// Writes the entries [part.begin, part.end) of `list` (excluded ones skipped)
// and records each stored file's size, mtime and CRC-32C (of exactly the
// bytes stored in the tar) in `list` for the manifest. A file is stored at its
// size when opened (fstat), as pg_basebackup does: a file replaced by a rename
// since the planning is stored whole; one that changes while it is read is cut
// or NUL-padded to that size; one that vanished is left out. Partitions of one list may be written in
// parallel (they record distinct entries).
PartitionStats write_partition(store::ObjectStore& store, const std::string& key, FileList& list, const Partition& part,
                               codec::Codec codec, const ReadHook& on_read = {});

struct InlineFile {
  std::string name;
  std::string content;
  // When set, the file's `size` bytes come from a source it opens instead of
  // `content` (the manifest of a million files is not held in memory).
  std::function<std::unique_ptr<io::ByteSource>()> open = {};
  std::uint64_t size = 0;
};
// A partition of small files (backup_label, tablespace_map, the manifest).
PartitionStats write_inline_partition(store::ObjectStore& store, const std::string& key,
                                      const std::vector<InlineFile>& files, codec::Codec codec);

// The manifest of `list`: its recorded files in `order` (manifest_order()).
// Both must outlive the source.
std::unique_ptr<io::ByteSource> manifest_source(const FileList& list, const std::vector<std::uint32_t>& order,
                                                const layout::ManifestWalRange& wal);
// The recorded files of `list`, sorted by name (as the manifest lists them).
std::vector<std::uint32_t> manifest_order(const FileList& list);

// The CRC-32C and size a file gets in the manifest when stored as `content`.
layout::ManifestFile manifest_entry(const std::string& name, const std::string& content, std::int64_t mtime);

}  // namespace wale::backup
