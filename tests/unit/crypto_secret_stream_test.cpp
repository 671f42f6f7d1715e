// SecretStream (OpenSSL for full chunks, libsodium for the rest) against
// libsodium's own crypto_secretstream_xchacha20poly1305: the same header and
// key give byte-identical chunks, with every tag (rekeys included), every
// chunk size class (multiple of 16 or not, empty), in both directions, and
// tampered chunks are refused without disturbing the stream.
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "crypto/secret_stream.h"
#include "crypto/sodium_key.h"

namespace wale::crypto {
namespace {

using Bytes = std::vector<std::byte>;
constexpr std::size_t kHdr = SecretStream::kHeaderBytes;
constexpr unsigned char kMessage = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
constexpr unsigned char kPush = crypto_secretstream_xchacha20poly1305_TAG_PUSH;
constexpr unsigned char kRekey = crypto_secretstream_xchacha20poly1305_TAG_REKEY;
constexpr unsigned char kFinal = crypto_secretstream_xchacha20poly1305_TAG_FINAL;

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (auto& x : b) x = std::byte(rng() & 0xFF);
  return b;
}

std::shared_ptr<const SodiumKey> key() { return SodiumKey::parse(std::string(64, 'c'), "test"); }

std::array<std::byte, kHdr> header() {
  std::array<std::byte, kHdr> h{};
  for (std::size_t i = 0; i < kHdr; ++i) h[i] = std::byte(i * 7 + 1);
  return h;
}

struct Message {
  std::size_t size;
  unsigned char tag;
};
// Full chunks with every tag (REKEY and FINAL rekey the state), sizes that
// are and are not multiples of 16, an empty message, and enough MESSAGE
// chunks between the rekeys that a wrong nonce update would show.
const std::vector<Message> kMessages = {
    {8192, kMessage}, {8192, kMessage}, {8192, kPush},    {16, kMessage}, {8192, kRekey},   {8192, kMessage},
    {8000, kMessage}, {8200, kMessage}, {0, kMessage},    {65536, kPush}, {8192, kMessage}, {8191, kRekey},
    {8192, kMessage}, {8184, kMessage}, {8192, kMessage}, {1, kMessage},  {8192, kFinal},   {8192, kMessage},
    {4096, kMessage}, {8208, kMessage}, {8192, kMessage}, {8192, kFinal},
};

// The chunks libsodium itself writes for kMessages after `header`.
std::vector<Bytes> libsodium_chunks() {
  crypto_secretstream_xchacha20poly1305_state st;
  auto h = header();
  EXPECT_EQ(crypto_secretstream_xchacha20poly1305_init_pull(&st, reinterpret_cast<const unsigned char*>(h.data()),
                                                            key()->data()),
            0);
  std::vector<Bytes> chunks;
  std::uint64_t seed = 1;
  for (const auto& m : kMessages) {
    Bytes plain = random_bytes(m.size, seed++);
    Bytes c(m.size + SecretStream::kOverhead);
    crypto_secretstream_xchacha20poly1305_push(&st, reinterpret_cast<unsigned char*>(c.data()), nullptr,
                                               reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                                               nullptr, 0, m.tag);
    chunks.push_back(std::move(c));
  }
  return chunks;
}

// A SecretStream positioned as a writer would be after writing header():
// OpenSSL from the first full chunk on, or libsodium only.
std::unique_ptr<SecretStream> stream(bool accelerated, std::uint64_t warmup = 0) {
  auto s = std::make_unique<SecretStream>(warmup);
  if (!accelerated) s->disable_acceleration();
  s->init_pull(header(), *key());  // the same state init_push derives from that header
  return s;
}

TEST(SecretStream, FullChunksGoThroughOpenSSL) {
  // The point of SecretStream: without OpenSSL's ChaCha20-Poly1305 every
  // chunk costs libsodium's speed (~1.2 GB/s here instead of ~2.5).
  SecretStream s(0);
  std::array<std::byte, kHdr> h{};
  s.init_push(h, *key());
  Bytes plain(8192), c(8192 + SecretStream::kOverhead);
  s.push(plain, kMessage, c.data());
  EXPECT_TRUE(s.accelerated());
  EXPECT_TRUE(SecretStream::openssl_ready());
}

TEST(SecretStream, SwitchesToOpenSSLAfterTheWarmupWithTheSameBytes) {
  // Until `warmup` message bytes are through, libsodium (a WAL segment does
  // not pay for setting OpenSSL up) -- unless OpenSSL is set up already.
  bool ready = SecretStream::openssl_ready();
  std::vector<Bytes> expected = libsodium_chunks();
  auto s = stream(true, 20000);
  std::uint64_t seed = 1;
  std::uint64_t before = 0;  // message bytes before the chunk
  std::optional<std::size_t> switched;
  for (std::size_t i = 0; i < kMessages.size(); ++i) {
    Bytes plain = random_bytes(kMessages[i].size, seed++);
    Bytes c(plain.size() + SecretStream::kOverhead);
    s->push(plain, kMessages[i].tag, c.data());
    ASSERT_EQ(c, expected[i]) << "chunk " << i;
    if (s->accelerated() && !switched) switched = i;
    if (!switched) before += plain.size();
  }
  ASSERT_TRUE(switched);
  if (ready) {
    EXPECT_EQ(*switched, 0u);
  } else {
    EXPECT_EQ(*switched, 2u);  // 8192 + 8192 < 20000 <= 8192 * 3
    EXPECT_EQ(before, 2 * 8192u);
  }
}

TEST(SecretStream, PushIsByteIdenticalToLibsodium) {
  std::vector<Bytes> expected = libsodium_chunks();
  for (bool accelerated : {true, false}) {
    auto s = stream(accelerated);
    std::uint64_t seed = 1;
    for (std::size_t i = 0; i < kMessages.size(); ++i) {
      Bytes plain = random_bytes(kMessages[i].size, seed++);
      Bytes c(plain.size() + SecretStream::kOverhead);
      s->push(plain, kMessages[i].tag, c.data());
      ASSERT_EQ(c, expected[i]) << "chunk " << i << " (" << kMessages[i].size << " bytes), accelerated " << accelerated;
    }
    EXPECT_EQ(s->accelerated(), accelerated);
  }
}

TEST(SecretStream, PullReadsLibsodiumChunksAndTags) {
  std::vector<Bytes> chunks = libsodium_chunks();
  for (bool accelerated : {true, false}) {
    auto s = stream(accelerated);
    std::uint64_t seed = 1;
    for (std::size_t i = 0; i < kMessages.size(); ++i) {
      Bytes out(kMessages[i].size);
      unsigned char tag = 0xff;
      ASSERT_TRUE(s->pull(chunks[i], out.data(), tag)) << "chunk " << i << ", accelerated " << accelerated;
      EXPECT_EQ(tag, kMessages[i].tag) << i;
      EXPECT_EQ(out, random_bytes(kMessages[i].size, seed++)) << i;
    }
    EXPECT_EQ(s->accelerated(), accelerated);
  }
}

TEST(SecretStream, InitPushWritesAHeaderLibsodiumReads) {
  auto k = key();
  SecretStream s(0);
  std::array<std::byte, kHdr> h{};
  s.init_push(h, *k);
  Bytes plain = random_bytes(3 * 8192, 5);
  Bytes c(plain.size() + SecretStream::kOverhead);
  s.push(plain, kFinal, c.data());
  crypto_secretstream_xchacha20poly1305_state st;
  ASSERT_EQ(crypto_secretstream_xchacha20poly1305_init_pull(&st, reinterpret_cast<const unsigned char*>(h.data()),
                                                            k->data()),
            0);
  Bytes out(plain.size());
  unsigned char tag = 0;
  ASSERT_EQ(crypto_secretstream_xchacha20poly1305_pull(&st, reinterpret_cast<unsigned char*>(out.data()), nullptr, &tag,
                                                       reinterpret_cast<const unsigned char*>(c.data()), c.size(),
                                                       nullptr, 0),
            0);
  EXPECT_EQ(out, plain);
  EXPECT_EQ(tag, kFinal);
}

TEST(SecretStream, TamperedChunkIsRefusedAndTheStreamStaysUsable) {
  std::vector<Bytes> chunks = libsodium_chunks();
  for (bool accelerated : {true, false}) {
    auto s = stream(accelerated);
    // Chunk 0 is a full 8 KiB chunk: flip its tag byte, a body byte, a MAC byte.
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{4000}, chunks[0].size() - 1}) {
      Bytes bad = chunks[0];
      bad[at] ^= std::byte{0x20};
      Bytes out(8192, std::byte{0x55});
      unsigned char tag = 0;
      EXPECT_FALSE(s->pull(bad, out.data(), tag)) << "flip at " << at << ", accelerated " << accelerated;
      EXPECT_EQ(out, Bytes(8192, std::byte{0})) << "no unauthenticated plaintext is left behind";
    }
    // Shorter than a tag byte and a MAC: not a chunk (and nothing is written).
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, SecretStream::kOverhead - 1}) {
      Bytes shorter(chunks[0].begin(), chunks[0].begin() + static_cast<std::ptrdiff_t>(n));
      std::byte untouched{0x55};
      unsigned char tag = 0;
      EXPECT_FALSE(s->pull(shorter, &untouched, tag)) << n;
      EXPECT_EQ(untouched, std::byte{0x55});
    }
    // A chunk from further on (another nonce) is refused too.
    Bytes out(8192);
    unsigned char tag = 0;
    EXPECT_FALSE(s->pull(chunks[1], out.data(), tag));
    // The state did not move: the genuine chunks still decrypt, in order.
    for (std::size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(s->pull(chunks[i], out.data(), tag)) << i;
      EXPECT_EQ(out, random_bytes(8192, i + 1));
    }
  }
}

}  // namespace
}  // namespace wale::crypto
