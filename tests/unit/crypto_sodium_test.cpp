// libsodium secret streams: key parsing, the known-answer fixture (written
// by tests/testdata/crypto/sodium_stream.py through libsodium's C API), every
// single-byte flip / truncation / chunk reorder rejected, round trips, the
// Python reader as oracle, and EncryptingStore with a libsodium key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "app/store_factory.h"
#include "archive/wal_fetch.h"
#include "codec/codec.h"
#include "config/settings.h"
#include "core/error.h"
#include "crypto/encrypting_store.h"
#include "crypto/object_format.h"
#include "crypto/sodium_decryptor.h"
#include "crypto/sodium_encryptor.h"
#include "crypto/sodium_key.h"
#include "io/memory_streams.h"
#include "store/memory/memory_store.h"
#include "test_support/temp_dir.h"

namespace wale::crypto {
namespace {

using Bytes = std::vector<std::byte>;
const std::string kData = std::string(WALE_TESTDATA_DIR) + "/crypto";
const std::string kKatHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return io::to_bytes(s);
}

void write_file(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (auto& x : b) x = std::byte(rng() & 0xFF);
  return b;
}

std::shared_ptr<const SodiumKey> kat_key() { return SodiumKey::parse(kKatHex, "test"); }

Bytes encrypt(const std::shared_ptr<const SodiumKey>& key, const Bytes& plain, std::size_t piece = 100000) {
  SodiumEncryptor e(key);
  Bytes out;
  for (std::size_t at = 0; at < plain.size(); at += piece) {
    e.process(std::span<const std::byte>(plain).subspan(at, std::min(piece, plain.size() - at)), out);
  }
  e.finish(out);
  return out;
}

// Decrypts; throws what the decryptor throws.
Bytes decrypt(const std::shared_ptr<const SodiumKey>& key, const Bytes& cipher, std::size_t piece = 65536) {
  SodiumDecryptor d(key, "s3://bucket/wal_005/000000010000000000000007.zst");
  Bytes out;
  for (std::size_t at = 0; at < cipher.size(); at += piece) {
    d.process(std::span<const std::byte>(cipher).subspan(at, std::min(piece, cipher.size() - at)), out);
  }
  d.finish(out);
  return out;
}

bool rejected(const std::shared_ptr<const SodiumKey>& key, const Bytes& cipher) {
  try {
    decrypt(key, cipher);
    return false;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(e.message().find("000000010000000000000007"), std::string::npos) << e.message();
    return true;
  }
}

ErrorCode parse_error(const std::string& text) {
  try {
    SodiumKey::parse(text, "WALE_LIBSODIUM_KEY");
  } catch (const Error& e) {
    EXPECT_EQ(e.message().find(text.empty() ? "\x01" : text), std::string::npos) << "the key leaked: " << e.message();
    EXPECT_NE(e.message().find("WALE_LIBSODIUM_KEY"), std::string::npos);
    return e.code();
  }
  return ErrorCode::Internal;
}

TEST(SodiumKey, HexOrBase64Of32BytesOnly) {
  auto hex = SodiumKey::parse(kKatHex, "k");
  auto upper = SodiumKey::parse("  000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n", "k");
  auto b64 = SodiumKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "k");
  auto b64np = SodiumKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "k");
  for (const auto& k : {upper, b64, b64np}) EXPECT_EQ(std::memcmp(k->data(), hex->data(), 32), 0);
  EXPECT_EQ(hex->data()[31], 0x1f);
  EXPECT_EQ(parse_error(""), ErrorCode::Config);
  EXPECT_EQ(parse_error(kKatHex.substr(0, 62)), ErrorCode::Config);                           // 31 bytes of hex
  EXPECT_EQ(parse_error(kKatHex + "20"), ErrorCode::Config);                                  // 33 bytes of hex
  EXPECT_EQ(parse_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="), ErrorCode::Config);  // 31 bytes
  EXPECT_EQ(parse_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"), ErrorCode::Config);  // 33 bytes
  EXPECT_EQ(parse_error("correct horse battery staple correct horse"), ErrorCode::Config);    // a passphrase
}

TEST(SodiumKey, FromFileTrimsAndReportsUnreadable) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/key") << kKatHex << "\n";
  auto k = SodiumKey::from_file(dir.path() + "/key");
  EXPECT_EQ(std::memcmp(k->data(), kat_key()->data(), 32), 0);
  try {
    SodiumKey::from_file(dir.path() + "/missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
  }
}

TEST(SodiumStream, KnownAnswerFixtureDecrypts) {
  Bytes cipher = read_file(kData + "/kat-sodium.bin");
  Bytes plain = read_file(kData + "/kat-plain.bin");
  ASSERT_EQ(plain.size(), 20000u);
  ASSERT_EQ(cipher.size(), 24u + 2 * (8192 + 17) + (20000 - 2 * 8192) + 17);
  EXPECT_EQ(decrypt(kat_key(), cipher), plain);
  EXPECT_EQ(decrypt(kat_key(), cipher, 1), plain);     // byte by byte
  EXPECT_EQ(decrypt(kat_key(), cipher, 8209), plain);  // chunk-aligned pieces
  EXPECT_TRUE(SodiumDecryptor::authenticates(*kat_key(), cipher, true));
}

TEST(SodiumStream, EverySingleByteFlipIsRejected) {
  Bytes cipher = read_file(kData + "/kat-sodium.bin");
  for (std::size_t i = 0; i < cipher.size(); ++i) {
    Bytes bad = cipher;
    bad[i] ^= std::byte{0x40};
    ASSERT_TRUE(rejected(kat_key(), bad)) << "flip at " << i;
  }
}

TEST(SodiumStream, EveryTruncationIsRejected) {
  Bytes cipher = read_file(kData + "/kat-sodium.bin");
  for (std::size_t n = 0; n < cipher.size(); ++n) {
    ASSERT_TRUE(rejected(kat_key(), Bytes(cipher.begin(), cipher.begin() + static_cast<std::ptrdiff_t>(n))))
        << "cut at " << n;
  }
}

TEST(SodiumStream, ReorderedDroppedDuplicatedOrAppendedChunksAndWrongKeyAreRejected) {
  Bytes c = read_file(kData + "/kat-sodium.bin");
  auto chunk = [&](int i) {
    auto b = c.begin() + 24 + i * 8209;
    return Bytes(b, i == 2 ? c.end() : b + 8209);
  };
  Bytes header(c.begin(), c.begin() + 24);
  auto join = [&](std::initializer_list<int> order) {
    Bytes out = header;
    for (int i : order) {
      Bytes k = chunk(i);
      out.insert(out.end(), k.begin(), k.end());
    }
    return out;
  };
  EXPECT_EQ(decrypt(kat_key(), join({0, 1, 2})), read_file(kData + "/kat-plain.bin"));
  EXPECT_TRUE(rejected(kat_key(), join({1, 0, 2})));
  EXPECT_TRUE(rejected(kat_key(), join({0, 2})));
  EXPECT_TRUE(rejected(kat_key(), join({0, 0, 1, 2})));
  EXPECT_TRUE(rejected(kat_key(), join({0, 1, 2, 2})));
  Bytes appended = c;
  appended.push_back(std::byte{0});
  EXPECT_TRUE(rejected(kat_key(), appended));
  // The same plaintext under another stream's header: not this stream's chunks.
  Bytes other = encrypt(kat_key(), read_file(kData + "/kat-plain.bin"));
  Bytes spliced = c;  // (not insert(): g++ 12 -O3 sees a false -Warray-bounds in it)
  std::copy(other.begin(), other.begin() + 24, spliced.begin());
  EXPECT_TRUE(rejected(kat_key(), spliced));
  auto wrong = SodiumKey::parse(std::string(64, 'a'), "k");
  EXPECT_TRUE(rejected(wrong, c));
  EXPECT_FALSE(SodiumDecryptor::authenticates(*wrong, c, true));
}

TEST(SodiumStream, RoundTripsEverySizeAndSplit) {
  auto key = SodiumKey::parse(std::string(64, '7'), "k");
  for (std::size_t n : {0, 1, 8191, 8192, 8193, 3 * 8192, 100000, 1 << 20}) {
    Bytes plain = random_bytes(n, n);
    for (std::size_t piece : {std::size_t{1000}, std::size_t{8192}, std::size_t{300000}}) {
      if (n > 200000 && piece == 1000) continue;
      Bytes cipher = encrypt(key, plain, piece);
      EXPECT_EQ(cipher.size(), 24 + n + 17 * (n / 8192 + 1)) << n;
      EXPECT_EQ(decrypt(key, cipher, 7777), plain) << n << " " << piece;
    }
  }
  // Two encryptions of one plaintext differ (random header).
  EXPECT_NE(encrypt(key, random_bytes(100, 1)), encrypt(key, random_bytes(100, 1)));
}

TEST(SodiumStream, IndependentPythonReaderDecryptsWhatWeWrite) {
  test::TempDir dir;
  Bytes plain = random_bytes(50000, 9);
  write_file(dir.path() + "/obj", encrypt(kat_key(), plain));
  std::string cmd = "python3 '" + kData + "/sodium_stream.py' decrypt " + kKatHex + " < '" + dir.path() + "/obj' > '" +
                    dir.path() + "/plain'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read_file(dir.path() + "/plain"), plain);
}

// --- through EncryptingStore ---

void put_raw(store::ObjectStore& s, const std::string& key, const Bytes& data) {
  auto sink = s.put(key);
  sink->write(data);
  sink->finish();
}

Bytes get_raw(store::ObjectStore& s, const std::string& key) {
  auto src = s.get(key);
  if (!src) throw std::runtime_error("absent " + key);
  std::string text = io::read_all(*src);
  return io::to_bytes(text);
}

Bytes compress(codec::Codec c, const Bytes& plain) {
  Bytes out;
  auto f = codec::make_compressor(c);
  f->process(plain, out);
  f->finish(out);
  return out;
}

Encryption sodium(const std::shared_ptr<const SodiumKey>& key) {
  Encryption e;
  e.sodium_key = key;
  return e;
}

TEST(SodiumStore, DataObjectsEncryptedMetadataPlainMixedArchivesRead) {
  EncryptingStore s(std::make_unique<store::MemoryStore>(), sodium(kat_key()));
  Bytes plain = random_bytes(40000, 2);
  for (auto c : {codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::Lzop, codec::Codec::None}) {
    std::string key = "wal_005/000000010000000000000011" + std::string(codec::extension(c));
    Bytes z = compress(c, plain);
    put_raw(s, key, z);
    Bytes stored = get_raw(s.inner(), key);
    EXPECT_TRUE(SodiumDecryptor::authenticates(*kat_key(), stored, true)) << key;
    EXPECT_EQ(get_raw(s, key), z) << key;
  }
  std::string part = "basebackups_005/base_000000010000000000000011_00000040/tar_partitions/part_00000003.tar.zst";
  put_raw(s, part, compress(codec::Codec::Zstd, plain));
  EXPECT_TRUE(SodiumDecryptor::authenticates(*kat_key(), get_raw(s.inner(), part), true));
  std::string manifest = "basebackups_005/base_000000010000000000000011_00000040/backup_manifest";
  put_raw(s, manifest, io::to_bytes("{\"files\":[]}"));
  EXPECT_EQ(get_raw(s.inner(), manifest), io::to_bytes("{\"files\":[]}"));
  EXPECT_EQ(get_raw(s, manifest), io::to_bytes("{\"files\":[]}"));
  // Written before encryption was turned on: readable when the operator allows
  // plain objects (WALE_LIBSODIUM_ACCEPT_PLAIN), and encrypted ones still decrypt.
  Encryption mixed = sodium(kat_key());
  mixed.accept_plain = true;
  EncryptingStore m(std::make_unique<store::MemoryStore>(), mixed);
  Bytes old = compress(codec::Codec::Lzop, plain);
  put_raw(m.inner(), "wal_005/000000010000000000000010.lzo", old);
  EXPECT_EQ(get_raw(m, "wal_005/000000010000000000000010.lzo"), old);
  Bytes z = compress(codec::Codec::Zstd, plain);
  put_raw(m, "wal_005/000000010000000000000011.zst", z);
  EXPECT_TRUE(
      SodiumDecryptor::authenticates(*kat_key(), get_raw(m.inner(), "wal_005/000000010000000000000011.zst"), true));
  EXPECT_EQ(get_raw(m, "wal_005/000000010000000000000011.zst"), z);
}

TEST(SodiumStore, PlainDataObjectUnderAKeyIsRefusedUnlessAllowed) {
  // Anyone who can write to the bucket could replace an encrypted WAL object
  // with a plain stream of WAL of their own making: with a libsodium key a
  // plain data object is tampering (Corrupt, recovery stops), unless the
  // operator allows plain objects for an archive that turned encryption on later.
  Bytes plain = random_bytes(40000, 4);
  std::vector<std::pair<std::string, Bytes>> objects;
  for (auto c : {codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::Lzop}) {
    objects.emplace_back("wal_005/000000010000000000000013" + std::string(codec::extension(c)), compress(c, plain));
  }
  // An uncompressed WAL segment: a long page header (PostgreSQL 15's magic,
  // XLP_LONG_HEADER, 16 MiB segments of 8 KiB pages).
  Bytes page(8192);
  page[0] = std::byte{0x10};
  page[1] = std::byte{0xD1};
  page[2] = std::byte{0x02};
  page[34] = std::byte{0x00};
  page[35] = std::byte{0x01};  // xlp_seg_size = 0x01000000 (little-endian at 32)
  page[37] = std::byte{0x20};  // xlp_xlog_blcksz = 0x2000 (little-endian at 36)
  objects.emplace_back("wal_005/000000010000000000000013", page);
  objects.emplace_back("basebackups_005/base_000000010000000000000011_00000040/tar_partitions/part_00000001.tar.zst",
                       compress(codec::Codec::Zstd, plain));
  for (const auto& [key, bytes] : objects) {
    EXPECT_TRUE(looks_plain(codec::codec_from_key(key), bytes)) << key;
    EncryptingStore strict(std::make_unique<store::MemoryStore>(), sodium(kat_key()));
    put_raw(strict.inner(), key, bytes);
    try {
      get_raw(strict, key);
      ADD_FAILURE() << "plain " << key << " read under a libsodium key";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << key;
      EXPECT_NE(e.message().find(strict.describe(key)), std::string::npos) << e.message();
      EXPECT_NE(e.message().find("not encrypted"), std::string::npos) << e.message();
      EXPECT_NE(e.detail().find("libsodium key is set"), std::string::npos) << e.detail();
      EXPECT_NE(e.hint().find("WALE_LIBSODIUM_ACCEPT_PLAIN"), std::string::npos) << e.hint();
    }
    Encryption allow = sodium(kat_key());
    allow.accept_plain = true;
    EncryptingStore lenient(std::make_unique<store::MemoryStore>(), allow);
    put_raw(lenient.inner(), key, bytes);
    EXPECT_EQ(get_raw(lenient, key), bytes) << key;
    // Without a libsodium key nothing changes: plain objects read as WAL-E's did.
    EncryptingStore nokey(std::make_unique<store::MemoryStore>(), Encryption{});
    put_raw(nokey.inner(), key, bytes);
    EXPECT_EQ(get_raw(nokey, key), bytes) << key;
  }
  // wal-fetch: the restore_command exit stops recovery (255), never "not in the archive".
  EncryptingStore strict(std::make_unique<store::MemoryStore>(), sodium(kat_key()));
  put_raw(strict.inner(), "wal_005/000000010000000000000013.lz4", compress(codec::Codec::Lz4, plain));
  test::TempDir dir;
  try {
    archive::wal_fetch(strict, "000000010000000000000013", dir.path() + "/out");
    FAIL() << "wal-fetch restored a plain segment under a libsodium key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    EXPECT_EQ(archive::restore_exit_status(e.code()), archive::kRestoreFatalExit);
    EXPECT_NE(e.message().find("000000010000000000000013"), std::string::npos) << e.message();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/out"));
}

TEST(SodiumStore, TamperOrWrongKeyIsCorruptNamedAndStopsRecovery) {
  auto mem = std::make_unique<store::MemoryStore>();
  store::MemoryStore* raw = mem.get();
  EncryptingStore s(std::move(mem), sodium(kat_key()));
  std::string key = "wal_005/000000010000000000000012.zst";
  Bytes z = compress(codec::Codec::Zstd, random_bytes(30000, 3));
  put_raw(s, key, z);
  Bytes stored = get_raw(*raw, key);
  test::TempDir dir;
  for (std::size_t at : {std::size_t{3}, std::size_t{100}, stored.size() - 1}) {
    Bytes bad = stored;
    bad[at] ^= std::byte{1};
    put_raw(*raw, key, bad);
    try {
      archive::wal_fetch(s, "000000010000000000000012", dir.path() + "/out");
      FAIL() << "tamper at " << at << " not detected";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
      EXPECT_EQ(archive::restore_exit_status(e.code()), archive::kRestoreFatalExit);
      EXPECT_NE(e.message().find("000000010000000000000012"), std::string::npos) << e.message();
    }
  }
  put_raw(*raw, key, stored);
  EncryptingStore wrong(std::make_unique<store::MemoryStore>(), sodium(SodiumKey::parse(std::string(64, 'b'), "k")));
  put_raw(wrong.inner(), key, stored);
  try {
    get_raw(wrong, key);
    FAIL() << "wrong key not detected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(e.message().find("could not decrypt"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("000000010000000000000012"), std::string::npos) << e.message();
  }
  // No key at all: a clear hint instead of a decompressor's complaint.
  EncryptingStore nokey(std::make_unique<store::MemoryStore>(), Encryption{});
  put_raw(nokey.inner(), key, stored);
  try {
    get_raw(nokey, key);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(e.hint().find("WALE_LIBSODIUM_KEY"), std::string::npos) << e.hint();
  }
}

TEST(SodiumStore, MakeStorePassesAcceptPlainFromTheSettings) {
  // WALE_LIBSODIUM_ACCEPT_PLAIN reaches every command's store (app::make_store).
  test::TempDir dir;
  config::Settings settings;
  settings.backend = config::Backend::File;
  settings.file_root = dir.path() + "/archive";
  std::filesystem::create_directory(settings.file_root);
  settings.libsodium_key = std::string(64, 'd');
  std::string key = "wal_005/000000010000000000000014.zst";
  Bytes z = compress(codec::Codec::Zstd, random_bytes(5000, 6));
  {
    config::Settings no_key = settings;
    no_key.libsodium_key.clear();
    auto plain = app::make_store(no_key);
    put_raw(*plain, key, z);
  }
  auto strict = app::make_store(settings);
  EXPECT_THROW(get_raw(*strict, key), Error);
  settings.libsodium_accept_plain = true;
  auto lenient = app::make_store(settings);
  EXPECT_EQ(get_raw(*lenient, key), z);
}

}  // namespace
}  // namespace wale::crypto
