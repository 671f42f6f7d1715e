#include "crypto/secret_stream.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

#include "core/error.h"

namespace wale::crypto {
namespace {

constexpr std::size_t kCounterBytes = 4;  // state.nonce = counter (LE) || inonce
constexpr std::size_t kInonceBytes = 8;
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kBlock = 64;  // the tag's ChaCha20 block

unsigned char* u8(std::byte* p) { return reinterpret_cast<unsigned char*>(p); }
const unsigned char* u8(const std::byte* p) { return reinterpret_cast<const unsigned char*>(p); }

// Whether a stream of this process has set OpenSSL's cipher up (1), found it
// missing (2), or neither yet (0).
std::atomic<int> g_openssl{0};

// The few libcrypto functions the fast path calls, looked up with dlopen the
// first time a stream wants them: linking libcrypto would load it (~0.6 ms)
// into every wal-push and wal-fetch, which never get that far. nullptr when
// the library or a function is missing; then libsodium does every chunk.
struct Libcrypto {
  decltype(&EVP_CIPHER_fetch) cipher_fetch = nullptr;
  decltype(&EVP_CIPHER_free) cipher_free = nullptr;
  decltype(&EVP_CIPHER_CTX_new) ctx_new = nullptr;
  decltype(&EVP_CIPHER_CTX_free) ctx_free = nullptr;
  decltype(&EVP_CipherInit_ex2) init = nullptr;
  decltype(&EVP_CipherUpdate) update = nullptr;
  decltype(&EVP_CipherFinal_ex) finish = nullptr;
  decltype(&EVP_CIPHER_CTX_ctrl) ctrl = nullptr;
};

template <typename F>
bool bind(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  return fn != nullptr;
}

const Libcrypto* libcrypto() {
  static std::once_flag once;
  static Libcrypto api;
  static bool loaded = false;
  std::call_once(once, [] {
    // The soname of the OpenSSL major version the header describes (3 on Debian 12).
    std::string soname = "libcrypto.so." + std::to_string(OPENSSL_VERSION_MAJOR);
    void* lib = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed: used until exit
    if (lib == nullptr) return;
    loaded = bind(lib, "EVP_CIPHER_fetch", api.cipher_fetch) && bind(lib, "EVP_CIPHER_free", api.cipher_free) &&
             bind(lib, "EVP_CIPHER_CTX_new", api.ctx_new) && bind(lib, "EVP_CIPHER_CTX_free", api.ctx_free) &&
             bind(lib, "EVP_CipherInit_ex2", api.init) && bind(lib, "EVP_CipherUpdate", api.update) &&
             bind(lib, "EVP_CipherFinal_ex", api.finish) && bind(lib, "EVP_CIPHER_CTX_ctrl", api.ctrl);
  });
  return loaded ? &api : nullptr;
}

}  // namespace

struct SecretStream::Ctx {
  const Libcrypto& api;
  EVP_CIPHER* cipher = nullptr;
  EVP_CIPHER_CTX* ctx = nullptr;
  explicit Ctx(const Libcrypto& a) : api(a) {}
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
  ~Ctx() {
    if (ctx != nullptr) api.ctx_free(ctx);  // cleanses the key it holds
    if (cipher != nullptr) api.cipher_free(cipher);
  }
  // Starts one chunk under (k, nonce); false if OpenSSL fails.
  bool start(const unsigned char* k, const unsigned char* nonce, int enc) {
    return api.init(ctx, nullptr, k, nonce, enc, nullptr) == 1;
  }
};

SecretStream::SecretStream(std::uint64_t warmup) : warmup_(warmup) {
  ensure_sodium();
  sodium_memzero(&state_, sizeof state_);
}

SecretStream::~SecretStream() { sodium_memzero(&state_, sizeof state_); }

bool SecretStream::openssl_ready() { return g_openssl.load(std::memory_order_relaxed) == 1; }

void SecretStream::disable_acceleration() {
  ctx_.reset();
  no_openssl_ = true;
}

void SecretStream::init_push(std::span<std::byte, kHeaderBytes> header, const SodiumKey& key) {
  crypto_secretstream_xchacha20poly1305_init_push(&state_, u8(header.data()), key.data());
}

void SecretStream::init_pull(std::span<const std::byte, kHeaderBytes> header, const SodiumKey& key) {
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state_, u8(header.data()), key.data()) != 0) {
    throw Error(ErrorCode::Internal, "libsodium refused a secret-stream header");
  }
}

bool SecretStream::fast(std::size_t message_bytes) {
  if (!ctx_ && !no_openssl_) {
    if (warmup_ > message_bytes && g_openssl.load(std::memory_order_relaxed) != 1) {
      warmup_ -= message_bytes;
    } else if (g_openssl.load(std::memory_order_relaxed) == 2) {
      no_openssl_ = true;
    } else {
      const Libcrypto* api = libcrypto();
      auto ctx = api != nullptr ? std::make_unique<Ctx>(*api) : nullptr;
      if (ctx) {
        ctx->cipher = api->cipher_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
        ctx->ctx = api->ctx_new();
      }
      // The cipher is set once: EVP_CipherInit_ex2 with a cipher resets (and
      // reallocates) the context; without one it only re-keys or re-nonces it.
      if (ctx && ctx->cipher != nullptr && ctx->ctx != nullptr &&
          api->init(ctx->ctx, ctx->cipher, nullptr, nullptr, 1, nullptr) == 1) {
        ctx_ = std::move(ctx);
        g_openssl.store(1, std::memory_order_relaxed);
      } else {
        no_openssl_ = true;
        g_openssl.store(2, std::memory_order_relaxed);
      }
    }
  }
  // (EVP lengths are ints; a chunk of the format is 8 KiB.)
  return ctx_ != nullptr && message_bytes > 0 && message_bytes % 16 == 0 && message_bytes <= (1u << 30);
}

// What libsodium does after every chunk.
void SecretStream::advance(const unsigned char* mac, unsigned char tag) {
  for (std::size_t i = 0; i < kInonceBytes; ++i) state_.nonce[kCounterBytes + i] ^= mac[i];
  sodium_increment(state_.nonce, kCounterBytes);
  if ((tag & crypto_secretstream_xchacha20poly1305_TAG_REKEY) != 0 || sodium_is_zero(state_.nonce, kCounterBytes)) {
    crypto_secretstream_xchacha20poly1305_rekey(&state_);
  }
}

void SecretStream::push(std::span<const std::byte> plain, unsigned char tag, std::byte* out) {
  if (!fast(plain.size())) {
    crypto_secretstream_xchacha20poly1305_push(&state_, u8(out), nullptr, u8(plain.data()), plain.size(), nullptr, 0,
                                               tag);
    return;
  }
  EVP_CIPHER_CTX* c = ctx_->ctx;
  unsigned char block[kBlock] = {tag};
  unsigned char sealed[kBlock];
  unsigned char* body = u8(out) + 1;
  unsigned char* mac = body + plain.size();
  int n = 0;
  int m = 0;
  bool ok = ctx_->start(state_.k, state_.nonce, 1) && ctx_->api.update(c, sealed, &n, block, kBlock) == 1 &&
            n == static_cast<int>(kBlock) &&
            ctx_->api.update(c, body, &m, u8(plain.data()), static_cast<int>(plain.size())) == 1 &&
            m == static_cast<int>(plain.size()) && ctx_->api.finish(c, sealed, &n) == 1 && n == 0 &&
            ctx_->api.ctrl(c, EVP_CTRL_AEAD_GET_TAG, kMacBytes, mac) == 1;
  if (!ok) throw Error(ErrorCode::Internal, "OpenSSL ChaCha20-Poly1305 failed to encrypt a chunk");
  out[0] = std::byte{sealed[0]};
  sodium_memzero(sealed, sizeof sealed);
  advance(mac, tag);
}

bool SecretStream::pull(std::span<const std::byte> chunk, std::byte* out, unsigned char& tag) {
  if (chunk.size() < kOverhead) return false;
  std::size_t len = chunk.size() - kOverhead;
  if (!fast(len)) {
    unsigned long long got = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state_, u8(out), &got, &tag, u8(chunk.data()), chunk.size(),
                                                   nullptr, 0) == 0) {
      return true;
    }
    sodium_memzero(out, len);
    return false;
  }
  // The tag block's ciphertext: the stored first byte, then ChaCha20's
  // keystream (block 1) for the 63 zero bytes after the tag.
  unsigned char sealed[kBlock] = {};
  crypto_stream_chacha20_ietf_xor_ic(sealed, sealed, kBlock, state_.nonce, 1U, state_.k);
  sealed[0] = u8(chunk.data())[0];
  unsigned char block[kBlock];
  unsigned char mac[kMacBytes];
  std::memcpy(mac, chunk.data() + 1 + len, kMacBytes);
  EVP_CIPHER_CTX* c = ctx_->ctx;
  int n = 0;
  int m = 0;
  bool ok = ctx_->start(state_.k, state_.nonce, 0) && ctx_->api.ctrl(c, EVP_CTRL_AEAD_SET_TAG, kMacBytes, mac) == 1 &&
            ctx_->api.update(c, block, &n, sealed, kBlock) == 1 && n == static_cast<int>(kBlock) &&
            ctx_->api.update(c, u8(out), &m, u8(chunk.data()) + 1, static_cast<int>(len)) == 1 &&
            m == static_cast<int>(len);
  if (!ok) {
    sodium_memzero(out, len);
    sodium_memzero(sealed, sizeof sealed);
    sodium_memzero(block, sizeof block);
    throw Error(ErrorCode::Internal, "OpenSSL ChaCha20-Poly1305 failed to decrypt a chunk");
  }
  // Final compares the MAC (in constant time); only then is the chunk ours.
  bool authentic = ctx_->api.finish(c, sealed, &n) == 1;
  sodium_memzero(sealed, sizeof sealed);
  if (!authentic) {
    sodium_memzero(out, len);
    sodium_memzero(block, sizeof block);
    return false;
  }
  tag = block[0];
  sodium_memzero(block, sizeof block);
  advance(mac, tag);
  return true;
}

}  // namespace wale::crypto
