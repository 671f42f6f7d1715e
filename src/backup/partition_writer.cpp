#include "backup/partition_writer.h"

#include "core/error.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "tar/tar_writer.h"

namespace wale::backup {
namespace {

// Counts bytes on their way to the store.
class CountingSink final : public io::ByteSink {
 public:
  CountingSink(std::unique_ptr<io::ByteSink> inner, std::uint64_t& count) : inner_(std::move(inner)), count_(count) {}
  void write(std::span<const std::byte> data) override {
    inner_->write(data);
    count_ += data.size();
  }
  using io::ByteSink::write;
  void finish() override { inner_->finish(); }

 private:
  std::unique_ptr<io::ByteSink> inner_;
  std::uint64_t& count_;
};

// Reports every read to a hook.
class HookedSource final : public io::ByteSource {
 public:
  HookedSource(io::ByteSource& inner, const ReadHook& hook) : inner_(inner), hook_(hook) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = inner_.read(out);
    if (n > 0) hook_(n);
    return n;
  }

 private:
  io::ByteSource& inner_;
  const ReadHook& hook_;
};

template <typename Fill>
PartitionStats write_tar_object(store::ObjectStore& store, const std::string& key, codec::Codec codec, Fill fill) {
  PartitionStats stats;
  io::FilterSink compressed(codec::make_compressor(codec),
                            std::make_unique<CountingSink>(store.put(key), stats.compressed_bytes));
  tar::TarWriter tar(compressed);
  fill(tar, stats);
  tar.finish();
  stats.tar_bytes = tar.bytes_written();
  compressed.finish();
  return stats;
}

}  // namespace

PartitionStats write_partition(store::ObjectStore& store, const std::string& key,
                               const std::vector<PlannedEntry>& entries, codec::Codec codec, const ReadHook& on_read) {
  return write_tar_object(store, key, codec, [&](tar::TarWriter& tar, PartitionStats& stats) {
    for (const auto& e : entries) {
      switch (e.type) {
        case PlannedEntry::Type::Directory:
          tar.add_directory(e.tar_name, e.mode, e.mtime);
          break;
        case PlannedEntry::Type::Symlink:
          tar.add_symlink(e.tar_name, e.link_target, e.mode, e.mtime);
          break;
        case PlannedEntry::Type::File: {
          auto source = io::open_file_source(e.source_path);
          if (!source) continue;  // dropped since planning; WAL replay does not need it
          if (on_read) {
            HookedSource hooked(*source, on_read);
            tar.add_file(e.tar_name, e.mode, e.mtime, e.size, hooked);
          } else {
            tar.add_file(e.tar_name, e.mode, e.mtime, e.size, *source);
          }
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
    auto now = static_cast<std::int64_t>(::time(nullptr));
    for (const auto& f : files) {
      io::MemorySource source(f.content);
      tar.add_file(f.name, 0600, now, f.content.size(), source);
      stats.files += 1;
    }
  });
}

}  // namespace wale::backup
