#include "crypto/decoding_source.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "crypto/gpg_process.h"
#include "crypto/object_format.h"
#include "crypto/sodium_decryptor.h"
#include "crypto/sodium_encryptor.h"
#include "io/filter_streams.h"

namespace wale::crypto {
namespace {

// Enough for a libsodium header and its first full chunk.
constexpr std::size_t kPeek = kSodiumHeader + kSodiumChunk + kSodiumOverhead;

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
  bool complete = head.size() < kPeek;
  codec::Codec codec = codec::codec_from_key(key_);
  enum class Kind { Plain, Gpg, Sodium } kind = Kind::Plain;
  if (encryption_.sodium_key && SodiumDecryptor::authenticates(*encryption_.sodium_key, head, complete)) {
    kind = Kind::Sodium;
  } else if (looks_like_openpgp(head)) {
    if (encryption_.sodium_key && !encryption_.accept_gpg) {
      // Encrypting for a recipient needs only the public key: under a
      // libsodium key an OpenPGP object proves nothing about who wrote it.
      throw Error(ErrorCode::Corrupt,
                  "refusing " + object_ + ": it is OpenPGP-encrypted, not sealed with the libsodium key",
                  "Anyone with the public key of a secret key in the keyring could have written it, so it is not "
                  "authenticated the way libsodium objects are.",
                  "If the archive held GPG objects before it moved to libsodium, set WALE_LIBSODIUM_ACCEPT_GPG=true to "
                  "read them; otherwise someone replaced the object.");
    }
    kind = Kind::Gpg;
  } else if (encryption_.sodium_key && !looks_plain(codec, head)) {
    // Not ours under this key, not OpenPGP, not a plain codec stream.
    throw Error(ErrorCode::Corrupt, "could not decrypt " + object_ + " with the libsodium key",
                "Its first chunk fails authentication and it is neither OpenPGP nor a plain " +
                    std::string(codec::codec_name(codec)) + " stream.",
                "The object was altered, or WALE_LIBSODIUM_KEY is not the key it was written with.");
  } else if (encryption_.sodium_key && !encryption_.accept_plain) {
    // A plain stream where every data object should be authenticated: anyone
    // who can write to the bucket could have put WAL of their own making here.
    throw Error(ErrorCode::Corrupt, "refusing " + object_ + ": it is not encrypted",
                "It is a plain " +
                    (codec == codec::Codec::None ? std::string("uncompressed object")
                                                 : std::string(codec::codec_name(codec)) + " stream") +
                    " although a libsodium key is set, and a plain object is not authenticated.",
                "If the archive held plain objects before encryption was turned on, set "
                "WALE_LIBSODIUM_ACCEPT_PLAIN=true to read them; otherwise someone replaced the object.");
  } else if (!encryption_.sodium_key && !looks_plain(codec, head)) {
    throw Error(ErrorCode::Corrupt, object_ + " is not a " + std::string(codec::codec_name(codec)) + " stream",
                codec == codec::Codec::None
                    ? "Uncompressed objects are WAL segments, tar streams or text; this is none "
                      "of them."
                    : "It does not start with the codec's magic number.",
                "If it was encrypted with libsodium, set WALE_LIBSODIUM_KEY (or WALE_LIBSODIUM_KEY_PATH); otherwise "
                "the object is damaged.");
  }
  auto rest = std::make_unique<PeekedSource>(std::move(head), std::move(raw_));
  switch (kind) {
    case Kind::Sodium:
      decoded_ = std::make_unique<io::FilterSource>(std::make_unique<SodiumDecryptor>(encryption_.sodium_key, object_),
                                                    std::move(rest));
      break;
    case Kind::Gpg:
      decoded_ = std::make_unique<io::FilterSource>(std::make_unique<GpgProcess>(GpgProcess::Mode::Decrypt, "", object_,
                                                                                 encryption_.gpg_program,
                                                                                 encryption_.gpg_hidden_variables),
                                                    std::move(rest));
      break;
    case Kind::Plain: decoded_ = std::move(rest); break;
  }
}

std::size_t DecodingSource::read(std::span<std::byte> out) {
  if (!decoded_) open();
  return decoded_->read(out);
}

}  // namespace wale::crypto
