#include "backup/partition_writer.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "codec/crc32c.h"
#include "core/error.h"
#include "io/counting_sink.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "tar/tar_writer.h"

namespace wale::backup {
namespace {

// Checksums what it reads and reports every read to a hook.
class HookedSource final : public io::ByteSource {
 public:
  HookedSource(io::ByteSource& inner, const ReadHook& hook) : inner_(inner), hook_(hook) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = inner_.read(out);
    if (n > 0) {
      crc_ = codec::crc32c_update(crc_, out.first(n));
      if (hook_) hook_(n);
    }
    return n;
  }
  // The CRC of the data as stored: what was read, then NUL padding up to `size`.
  std::uint32_t stored_crc(std::uint64_t taken, std::uint64_t size) {
    static const std::array<std::byte, 65536> zeros{};
    for (std::uint64_t left = size > taken ? size - taken : 0; left > 0;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, zeros.size()));
      crc_ = codec::crc32c_update(crc_, std::span<const std::byte>(zeros.data(), n));
      left -= n;
    }
    return codec::crc32c_final(crc_);
  }

 private:
  io::ByteSource& inner_;
  const ReadHook& hook_;
  std::uint32_t crc_ = codec::crc32c_init();
};

template <typename Fill>
PartitionStats write_tar_object(store::ObjectStore& store, const std::string& key, codec::Codec codec, Fill fill) {
  PartitionStats stats;
  io::FilterSink compressed(codec::make_compressor(codec),
                            std::make_unique<io::CountingSink>(store.put(key), stats.compressed_bytes));
  tar::TarWriter tar(compressed);
  fill(tar, stats);
  tar.finish();
  stats.tar_bytes = tar.bytes_written();
  compressed.finish();
  return stats;
}

}  // namespace

PartitionStats write_partition(store::ObjectStore& store, const std::string& key, FileList& list, const Partition& part,
                               codec::Codec codec, const ReadHook& on_read) {
  return write_tar_object(store, key, codec, [&](tar::TarWriter& tar, PartitionStats& stats) {
    for (std::size_t i = part.begin; i < part.end; ++i) {
      if (list.excluded(i)) continue;
      PlannedEntry e = list.at(i);
      switch (e.type) {
        case PlannedEntry::Type::Directory: tar.add_directory(e.tar_name, e.mode, e.mtime); break;
        case PlannedEntry::Type::Symlink: tar.add_symlink(e.tar_name, e.link_target, e.mode, e.mtime); break;
        case PlannedEntry::Type::File: {
          auto source = io::open_file_source(e.source_path);
          if (!source) continue;  // dropped since planning; WAL replay does not need it
          // The size of the file opened, as pg_basebackup takes it just before
          // reading: a file PostgreSQL replaced by a rename since the planning
          // (postgresql.auto.conf, pg_logical/replorigin_checkpoint; never
          // WAL-logged) is stored whole, not cut or padded to the old size.
          struct stat st {};
          if (::fstat(source->fd(), &st) != 0) throw_errno("could not stat file", e.source_path, errno);
          std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
          std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
          HookedSource hooked(*source, on_read);
          std::uint64_t taken = tar.add_file(e.tar_name, e.mode, mtime, size, hooked);
          list.record(i, size, mtime, hooked.stored_crc(taken, size));
          stats.files += 1;
          break;
        }
      }
    }
  });
}

PartitionStats write_inline_partition(store::ObjectStore& store, const std::string& key,
                                      const std::vector<InlineFile>& files, codec::Codec codec) {
  return write_tar_object(store, key, codec, [&](tar::TarWriter& tar, PartitionStats& stats) {
    auto now = static_cast<std::int64_t>(::time(nullptr));  // manifest mtimes are informational
    for (const auto& f : files) {
      if (f.open) {
        auto source = f.open();
        tar.add_file(f.name, 0600, now, f.size, *source);
      } else {
        io::StringViewSource source(f.content);
        tar.add_file(f.name, 0600, now, f.content.size(), source);
      }
      stats.files += 1;
    }
  });
}

std::vector<std::uint32_t> manifest_order(const FileList& list) {
  std::vector<std::uint32_t> order;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list.recorded(i)) order.push_back(static_cast<std::uint32_t>(i));
  }
  order.shrink_to_fit();
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return list.tar_name(a) < list.tar_name(b); });
  return order;
}

std::unique_ptr<io::ByteSource> manifest_source(const FileList& list, const std::vector<std::uint32_t>& order,
                                                const layout::ManifestWalRange& wal) {
  std::size_t k = 0;
  return std::make_unique<layout::ManifestSource>(
      [&list, &order, k](layout::ManifestFile& f) mutable {
        if (k == order.size()) return false;
        std::uint32_t i = order[k++];
        f.path.assign(list.tar_name(i));
        f.size = list.file_size(i);
        f.mtime = list.mtime(i);
        f.crc32c = list.crc(i);
        return true;
      },
      wal);
}

layout::ManifestFile manifest_entry(const std::string& name, const std::string& content, std::int64_t mtime) {
  auto bytes = std::span<const std::byte>(reinterpret_cast<const std::byte*>(content.data()), content.size());
  return layout::ManifestFile{name, content.size(), mtime, codec::crc32c(bytes)};
}

}  // namespace wale::backup
