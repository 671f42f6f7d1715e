#include "crypto/decoding_source.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "crypto/gpg_process.h"
#include "crypto/object_format.h"
#include "io/filter_streams.h"

namespace wale::crypto {
namespace {

constexpr std::size_t kPeek = 64;

// The peeked bytes, then the rest of the upstream.
class PeekedSource final : public io::ByteSource {
 public:
  PeekedSource(std::vector<std::byte> head, std::unique_ptr<io::ByteSource> rest)
      : head_(std::move(head)), rest_(std::move(rest)) {}
  std::size_t read(std::span<std::byte> out) override {
    if (pos_ < head_.size()) {
      std::size_t n = std::min(out.size(), head_.size() - pos_);
      std::memcpy(out.data(), head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_->read(out);
  }

 private:
  std::vector<std::byte> head_;
  std::size_t pos_ = 0;
  std::unique_ptr<io::ByteSource> rest_;
};

}  // namespace

DecodingSource::DecodingSource(std::unique_ptr<io::ByteSource> raw, std::string key, std::string object,
                               Encryption encryption)
    : raw_(std::move(raw)), key_(std::move(key)), object_(std::move(object)), encryption_(std::move(encryption)) {}

void DecodingSource::open() {
  std::vector<std::byte> head(kPeek);
  head.resize(io::read_full(*raw_, head));
  bool openpgp = looks_like_openpgp(head);
  auto rest = std::make_unique<PeekedSource>(std::move(head), std::move(raw_));
  if (openpgp) {
    decoded_ = std::make_unique<io::FilterSource>(
        std::make_unique<GpgProcess>(GpgProcess::Mode::Decrypt, "", object_, encryption_.gpg_program), std::move(rest));
  } else {
    decoded_ = std::move(rest);
  }
}

std::size_t DecodingSource::read(std::span<std::byte> out) {
  if (!decoded_) open();
  return decoded_->read(out);
}

}  // namespace wale::crypto
