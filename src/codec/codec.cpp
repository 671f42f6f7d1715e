#include "codec/codec.h"

#include "codec/frame_checksum_guard.h"
#include "codec/lz4_compressor.h"
#include "codec/lz4_decompressor.h"
#include "codec/lzop_compressor.h"
#include "codec/lzop_decompressor.h"
#include "codec/zstd_compressor.h"
#include "codec/zstd_decompressor.h"
#include "core/error.h"

namespace wale::codec {
namespace {

class PassThrough final : public io::Filter {
 public:
  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override {
    out.insert(out.end(), in.begin(), in.end());
  }
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Codec parse_codec(std::string_view name) {
  if (name == "none") return Codec::None;
  if (name == "lzop" || name == "lzo") return Codec::Lzop;
  if (name == "lz4") return Codec::Lz4;
  if (name == "zstd" || name == "zst") return Codec::Zstd;
  throw Error(ErrorCode::Config, "unknown compression \"" + std::string(name) + "\"", {},
              "Set WALE_COMPRESSION to one of zstd, lz4, lzop or none.");
}

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::None: return "none";
    case Codec::Lzop: return "lzop";
    case Codec::Lz4: return "lz4";
    case Codec::Zstd: return "zstd";
  }
  return "none";
}

std::string_view extension(Codec codec) {
  switch (codec) {
    case Codec::None: return "";
    case Codec::Lzop: return ".lzo";
    case Codec::Lz4: return ".lz4";
    case Codec::Zstd: return ".zst";
  }
  return "";
}

Codec codec_from_key(std::string_view key) {
  for (Codec c : {Codec::Lzop, Codec::Lz4, Codec::Zstd}) {
    if (ends_with(key, extension(c))) return c;
  }
  return Codec::None;
}

std::unique_ptr<io::Filter> make_compressor(Codec codec, const CompressOptions& options) {
  switch (codec) {
    case Codec::None: return std::make_unique<PassThrough>();
    case Codec::Lzop: return std::make_unique<LzopCompressor>(options);
    case Codec::Lz4: return std::make_unique<Lz4Compressor>(options);
    case Codec::Zstd: return std::make_unique<ZstdCompressor>(options);
  }
  throw Error(ErrorCode::Internal, "make_compressor: invalid codec value");
}

std::unique_ptr<io::Filter> make_decompressor(Codec codec) {
  switch (codec) {
    case Codec::None: return std::make_unique<PassThrough>();
    case Codec::Lzop: return std::make_unique<LzopDecompressor>();
    case Codec::Lz4: return std::make_unique<Lz4Decompressor>();
    case Codec::Zstd: return std::make_unique<ZstdDecompressor>();
  }
  throw Error(ErrorCode::Internal, "make_decompressor: invalid codec value");
}

std::unique_ptr<io::Filter> make_verifying_decompressor(Codec codec) {
  if (codec == Codec::Lz4) return std::make_unique<Lz4Decompressor>(Lz4Decompressor::Checksums::Required);
  if (codec == Codec::Zstd) return std::make_unique<ZstdDecompressor>(ZstdDecompressor::Checksums::Required);
  return nullptr;
}

bool starts_with_checksummed_frame(Codec codec, std::span<const std::byte> head) {
  if (codec == Codec::Lz4) return FrameChecksumGuard::lz4().refusal(head) == nullptr;
  if (codec == Codec::Zstd) return FrameChecksumGuard::zstd().refusal(head) == nullptr;
  return false;
}

}  // namespace wale::codec
