// GPG encryption of data objects: WAL-E's own encrypted segment, round trips
// through EncryptingStore, the real gpg + lzop as oracle, and failures.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "app/store_factory.h"
#include "archive/wal_archive.h"
#include "codec/codec.h"
#include "config/settings.h"
#include "core/error.h"
#include "crypto/encrypting_store.h"
#include "crypto/gpg_process.h"
#include "crypto/object_format.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/gpg_home.h"
#include "test_support/temp_dir.h"

namespace wale::crypto {
namespace {

using Bytes = std::vector<std::byte>;
const std::string kFixture = std::string(WALE_TESTDATA_DIR) + "/wal-e-archive";
const std::string kSeg = "000000010000000000000002";

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (auto& x : b) x = std::byte(rng() % 7);  // compressible
  return b;
}

Bytes compress(codec::Codec c, const Bytes& plain) {
  Bytes out;
  auto f = codec::make_compressor(c);
  f->process(plain, out);
  f->finish(out);
  return out;
}

Bytes read_bytes(io::ByteSource& s) {
  Bytes out;
  std::vector<std::byte> buf(70000);
  while (std::size_t n = s.read(buf)) out.insert(out.end(), buf.begin(), buf.begin() + n);
  return out;
}

void put_raw(store::ObjectStore& s, const std::string& key, const Bytes& data) {
  auto sink = s.put(key);
  sink->write(data);
  sink->finish();
}

Bytes get_raw(store::ObjectStore& s, const std::string& key) {
  auto src = s.get(key);
  if (!src) throw std::runtime_error("absent " + key);
  return read_bytes(*src);
}

Encryption gpg_for(const std::string& recipient) {
  Encryption e;
  e.gpg_recipient = recipient;
  return e;
}

TEST(CryptoFormat, RecognisesOpenPgpButNoCodecContainer) {
  Bytes walE = get_raw(*std::make_unique<store::LocalStore>(kFixture + "/gpg-sample"), "wal_005/" + kSeg + ".lzo");
  EXPECT_TRUE(looks_like_openpgp(walE));
  Bytes plain_lzo = get_raw(*std::make_unique<store::LocalStore>(kFixture), "wal_005/" + kSeg + ".lzo");
  EXPECT_FALSE(looks_like_openpgp(plain_lzo));
  EXPECT_TRUE(looks_plain(codec::Codec::Lzop, plain_lzo));
  for (auto c : {codec::Codec::Lz4, codec::Codec::Zstd, codec::Codec::Lzop}) {
    Bytes z = compress(c, random_bytes(1000, 1));
    EXPECT_FALSE(looks_like_openpgp(z)) << codec::codec_name(c);
    EXPECT_TRUE(looks_plain(c, z)) << codec::codec_name(c);
  }
  // Uncompressed objects: a WAL segment (long page header), a tar stream, text.
  Bytes wal(8192, std::byte{0});
  for (auto [i, v] :
       std::initializer_list<std::pair<int, int>>{{0, 0x10}, {1, 0xD1}, {2, 0x02}, {35, 0x01}, {37, 0x20}}) {
    wal[i] = std::byte(v);
  }
  EXPECT_TRUE(looks_plain(codec::Codec::None, wal));
  Bytes short_page = wal;
  short_page[2] = std::byte{0};  // not a long header: not a segment's first page
  EXPECT_FALSE(looks_plain(codec::Codec::None, short_page));
  Bytes tar(1024, std::byte{0});
  std::memcpy(tar.data() + 257, "ustar", 5);
  EXPECT_TRUE(looks_plain(codec::Codec::None, tar));
  EXPECT_TRUE(looks_plain(codec::Codec::None, io::to_bytes("1\t0/3000000\tbefore 2026-01-01 \xC3\xA9t\xC3\xA9\n")));
  EXPECT_FALSE(looks_plain(codec::Codec::None, io::to_bytes("")));
  for (std::uint64_t seed = 1; seed < 200; ++seed) {  // random bytes (ciphertext) are never plain
    std::mt19937_64 rng(seed);
    Bytes r(8233);
    for (auto& x : r) x = std::byte(rng() & 0xFF);
    for (auto c : {codec::Codec::None, codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::Lzop}) {
      ASSERT_FALSE(looks_plain(c, r)) << seed;
    }
  }
  // Raw WAL (xlp_magic 0xD110 little-endian), tar names, history text.
  EXPECT_FALSE(looks_like_openpgp(io::to_bytes("\x10\xD1\x06\x00\x01\x00\x00\x00")));
  EXPECT_FALSE(looks_like_openpgp(io::to_bytes("./PG_VERSION")));
  // New-format PKESK v3 and SKESK v4 headers; an old-format literal packet is not a message.
  EXPECT_TRUE(looks_like_openpgp(io::to_bytes("\xC1\x5E\x03\x11\x22")));
  EXPECT_TRUE(looks_like_openpgp(io::to_bytes("\x8C\x0D\x04\x09")));
  EXPECT_FALSE(looks_like_openpgp(io::to_bytes("\xAC\x0D\x62")));
  // ASCII armor: the packet under the base64 decides (PKESK v3: "hQEMAx..."; a literal packet: "rA1i...").
  EXPECT_TRUE(looks_like_openpgp(io::to_bytes("-----BEGIN PGP MESSAGE-----\n\nhQEMAxHkj2sLMdlRAQf/aIWc\n")));
  EXPECT_TRUE(looks_like_openpgp(
      io::to_bytes("-----BEGIN PGP MESSAGE-----\r\nVersion: GnuPG v1\r\nComment: x\r\n\r\nhQEMAxHkj2sLMdlRAQf/\r\n")));
  EXPECT_FALSE(looks_like_openpgp(io::to_bytes("-----BEGIN PGP MESSAGE-----\n\nrA1iAAAAAABoZWxsbw==\n")));
  EXPECT_FALSE(looks_like_openpgp(io::to_bytes("-----BEGIN PGP MESSAGE-----\n\n")));
  EXPECT_FALSE(looks_like_openpgp(io::to_bytes("-----BEGIN PGP SIGNATURE-----\n\nhQEMAxHkj2sLMdlRAQf/\n")));
}

TEST(CryptoGpg, WalESegmentFetchesByteIdenticalToThePlainOne) {
  test::GpgHome home;
  EncryptingStore encrypted(std::make_unique<store::LocalStore>(kFixture + "/gpg-sample"), Encryption{});
  EncryptingStore plain(std::make_unique<store::LocalStore>(kFixture), Encryption{});
  auto a = archive::WalArchive(encrypted, codec::Codec::Lzop).open(kSeg);
  auto b = archive::WalArchive(plain, codec::Codec::Lzop).open(kSeg);
  ASSERT_TRUE(a && b);
  Bytes got = read_bytes(*a);
  EXPECT_EQ(got.size(), 16u * 1024 * 1024);
  EXPECT_TRUE(got == read_bytes(*b));
}

// Under a libsodium key an OpenPGP object is not authenticated against
// substitution: anyone with a public key whose secret key the restoring
// keyring holds (a user who moved from GPG) could encrypt WAL of their own
// making, and gpg would report DECRYPTION_OKAY and GOODMDC. So it is refused
// unless the operator allows it, as for plain objects.
TEST(CryptoGpg, AnOpenPgpObjectUnderALibsodiumKeyIsRefusedUnlessAllowed) {
  test::GpgHome home;
  Encryption e;
  e.sodium_key = SodiumKey::parse(std::string(64, 'd'), "test");
  EncryptingStore refusing(std::make_unique<store::LocalStore>(kFixture + "/gpg-sample"), e);
  try {
    auto src = archive::WalArchive(refusing, codec::Codec::Lzop).open(kSeg);
    ASSERT_TRUE(src);
    (void)read_bytes(*src);
    FAIL() << "an OpenPGP object was read under a libsodium key";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::Corrupt);
    EXPECT_NE(err.message().find(kSeg), std::string::npos) << err.message();
    EXPECT_NE(err.hint().find("WALE_LIBSODIUM_ACCEPT_GPG"), std::string::npos) << err.hint();
  }
  // A user who moved from GPG to libsodium still restores the old objects, by choice.
  e.accept_gpg = true;
  EncryptingStore encrypted(std::make_unique<store::LocalStore>(kFixture + "/gpg-sample"), e);
  EncryptingStore plain(std::make_unique<store::LocalStore>(kFixture), Encryption{});
  auto a = archive::WalArchive(encrypted, codec::Codec::Lzop).open(kSeg);
  auto b = archive::WalArchive(plain, codec::Codec::Lzop).open(kSeg);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(read_bytes(*a) == read_bytes(*b));
}

TEST(CryptoGpg, MakeStorePassesAcceptGpgFromTheSettings) {
  // WALE_LIBSODIUM_ACCEPT_GPG reaches every command's store (app::make_store).
  test::GpgHome home;
  config::Settings settings;
  settings.backend = config::Backend::File;
  settings.file_root = kFixture + "/gpg-sample";
  settings.libsodium_key = std::string(64, 'd');
  auto strict = app::make_store(settings);
  auto refused = archive::WalArchive(*strict, codec::Codec::Lzop).open(kSeg);
  ASSERT_TRUE(refused);
  EXPECT_THROW((void)read_bytes(*refused), Error);
  settings.libsodium_accept_gpg = true;
  auto lenient = app::make_store(settings);
  auto read = archive::WalArchive(*lenient, codec::Codec::Lzop).open(kSeg);
  ASSERT_TRUE(read);
  EXPECT_EQ(read_bytes(*read).size(), 16u * 1024 * 1024);
}

TEST(CryptoGpg, WithoutTheSecretKeyFetchFailsWithTheObjectsName) {
  test::GpgHome home(/*import_key=*/false);
  EncryptingStore encrypted(std::make_unique<store::LocalStore>(kFixture + "/gpg-sample"), Encryption{});
  auto src = archive::WalArchive(encrypted, codec::Codec::Lzop).open(kSeg);
  ASSERT_TRUE(src);
  try {
    read_bytes(*src);
    FAIL() << "decrypted without a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config) << e.message();
    EXPECT_NE(e.message().find(kSeg), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("No secret key"), std::string::npos) << e.message();
  }
}

TEST(CryptoGpg, RoundTripEncryptsDataObjectsOnlyAndRealToolsReadThem) {
  test::GpgHome home;
  test::TempDir dir;
  EncryptingStore s(std::make_unique<store::LocalStore>(dir.path()), gpg_for(test::GpgHome::kKeyId));
  Bytes plain = random_bytes(600 * 1024, 7);
  Bytes lzo = compress(codec::Codec::Lzop, plain);
  std::string key = "wal_005/000000010000000000000009.lzo";
  put_raw(s, key, lzo);
  put_raw(s, "basebackups_005/base_000000010000000000000009_00000040_backup_stop_sentinel.json", io::to_bytes("{}"));

  Bytes stored = get_raw(s.inner(), key);
  EXPECT_TRUE(looks_like_openpgp(stored));
  EXPECT_EQ(get_raw(s.inner(), "basebackups_005/base_000000010000000000000009_00000040_backup_stop_sentinel.json"),
            io::to_bytes("{}"));
  EXPECT_EQ(get_raw(s, key), lzo);

  // Oracle: the real gpg and lzop programs decrypt and decompress it.
  std::string out = dir.path() + "/plain";
  std::string cmd = "gpg --batch -q -d '" + dir.path() + "/" + key + "' 2>/dev/null | lzop -dc > '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(out, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(io::to_bytes(text) == plain);

  // A tar partition is encrypted too, with every codec.
  for (auto c : {codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::None}) {
    std::string pkey = "basebackups_005/base_000000010000000000000009_00000040/tar_partitions/part_00000000.tar" +
                       std::string(codec::extension(c));
    Bytes z = compress(c, plain);
    put_raw(s, pkey, z);
    EXPECT_TRUE(looks_like_openpgp(get_raw(s.inner(), pkey))) << pkey;
    EXPECT_EQ(get_raw(s, pkey), z) << pkey;
  }
}

// Flips one bit in the middle of the stored object `key`.
void flip_middle_byte(store::ObjectStore& raw, const std::string& key) {
  Bytes stored = get_raw(raw, key);
  stored[stored.size() / 2] ^= std::byte{0x01};
  put_raw(raw, key, stored);
}

// Reading `key` through `s` fails as Corrupt, naming `name`.
void expect_corrupt_naming(store::ObjectStore& s, const std::string& key, const std::string& name) {
  try {
    get_raw(s, key);
    FAIL() << "damage not detected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    EXPECT_NE(e.message().find(name), std::string::npos) << e.message();
  }
}

// A gpg.conf in the test's GPG home holding the one option `line`.
void write_gpg_conf(const test::GpgHome& home, const char* line) {
  std::ofstream(home.path() + "/gpg.conf") << line << "\n";
}

TEST(CryptoGpg, ArmorInGpgConfStillWritesBinaryObjectsThatRestore) {
  // A keyring whose gpg.conf says "armor" (common for mail users) must not
  // make wal-push store ASCII-armored objects: WAL-E's format is binary, and
  // an object no reader recognises is an archived segment that cannot restore.
  test::GpgHome home;
  write_gpg_conf(home, "armor");
  EncryptingStore s(std::make_unique<store::MemoryStore>(), gpg_for(test::GpgHome::kKeyId));
  std::string key = "wal_005/000000010000000000000007.lzo";
  Bytes lzo = compress(codec::Codec::Lzop, random_bytes(100000, 8));
  put_raw(s, key, lzo);
  EXPECT_TRUE(looks_like_openpgp(get_raw(s.inner(), key)));
  EXPECT_EQ(get_raw(s, key), lzo);
}

TEST(CryptoGpg, TextmodeInGpgConfDoesNotAlterTheStoredBytes) {
  // "textmode" in gpg.conf makes `gpg -e` store its input as canonical text:
  // line endings rewritten, the compressed stream changed. wal-push would
  // report a segment archived that then fails every restore.
  test::GpgHome home;
  write_gpg_conf(home, "textmode");
  EncryptingStore s(std::make_unique<store::MemoryStore>(), gpg_for(test::GpgHome::kKeyId));
  std::string key = "wal_005/000000010000000000000007";
  Bytes data = random_bytes(100000, 11);
  for (std::size_t i = 0; i < data.size(); i += 7) data[i] = std::byte{'\n'};
  for (std::size_t i = 3; i < data.size(); i += 11) data[i] = std::byte{'\r'};
  put_raw(s, key, data);
  // Read back without the setting, as another machine would.
  std::remove((home.path() + "/gpg.conf").c_str());
  EXPECT_TRUE(get_raw(s, key) == data);
}

TEST(CryptoGpg, ArmoredObjectsWalEWroteStillRestore) {
  // WAL-E ran `gpg -e -z 0 -r KEY`: with "armor" in gpg.conf its objects are
  // ASCII-armored OpenPGP, which `gpg -d` reads. So must wal-e.
  test::GpgHome home;
  test::TempDir dir;
  Bytes lzo = compress(codec::Codec::Lzop, random_bytes(100000, 9));
  std::string key = "wal_005/000000010000000000000008.lzo";
  std::string plain_path = dir.path() + "/plain", armored_path = dir.path() + "/armored";
  {
    std::ofstream f(plain_path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(lzo.data()), static_cast<std::streamsize>(lzo.size()));
  }
  std::string cmd = "gpg --batch -q --armor -e -z 0 --trust-model always -r " + std::string(test::GpgHome::kKeyId) +
                    " < '" + plain_path + "' > '" + armored_path + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(armored_path, std::ios::binary);
  std::string armored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(armored.rfind("-----BEGIN PGP MESSAGE-----", 0), 0u);
  EXPECT_TRUE(looks_like_openpgp(io::to_bytes(armored)));

  auto mem = std::make_unique<store::MemoryStore>();
  put_raw(*mem, key, io::to_bytes(armored));
  EncryptingStore s(std::move(mem), Encryption{});
  EXPECT_EQ(get_raw(s, key), lzo);
  // Also an uncompressed object (codec none), where text could pass for plain.
  put_raw(s.inner(), "wal_005/000000010000000000000008", io::to_bytes(armored));
  EXPECT_EQ(get_raw(s, "wal_005/000000010000000000000008"), lzo);
}

TEST(CryptoGpg, PlainObjectsStillReadWhenGpgIsOn) {
  test::GpgHome home;
  auto mem = std::make_unique<store::MemoryStore>();
  Bytes lzo = compress(codec::Codec::Lzop, random_bytes(1000, 3));
  put_raw(*mem, "wal_005/000000010000000000000003.lzo", lzo);
  EncryptingStore s(std::move(mem), gpg_for(test::GpgHome::kKeyId));
  EXPECT_EQ(get_raw(s, "wal_005/000000010000000000000003.lzo"), lzo);
}

TEST(CryptoGpg, DamagedCiphertextIsCorruptAndNamed) {
  test::GpgHome home;
  EncryptingStore s(std::make_unique<store::MemoryStore>(), gpg_for(test::GpgHome::kKeyId));
  std::string key = "wal_005/000000010000000000000004.zst";
  put_raw(s, key, compress(codec::Codec::Zstd, random_bytes(200000, 4)));
  flip_middle_byte(s.inner(), key);
  expect_corrupt_naming(s, key, "000000010000000000000004");
}

// The size of an OpenPGP message's first packet (its header included).
std::size_t first_packet_size(const Bytes& m) {
  auto at = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<std::uint8_t>(m.at(i))); };
  if (at(0) & 0x40) {  // new format
    if (at(1) < 192) return 2 + at(1);
    if (at(1) < 224) return 3 + ((at(1) - 192) << 8) + at(2) + 192;
    return 6 + (at(2) << 24 | at(3) << 16 | at(4) << 8 | at(5));
  }
  switch (at(0) & 3) {
    case 0: return 2 + at(1);
    case 1: return 3 + (at(1) << 8 | at(2));
    default: return 5 + (at(1) << 24 | at(2) << 16 | at(3) << 8 | at(4));
  }
}

TEST(CryptoGpg, MessageCutAfterItsSessionKeyPacketIsCorruptNotEmpty) {
  // `gpg -d` of a message cut right after its session key packet prints
  // nothing and exits 0. That is no empty WAL file or history file: every
  // cut must fail, whatever the codec.
  test::GpgHome home;
  EncryptingStore s(std::make_unique<store::MemoryStore>(), gpg_for(test::GpgHome::kKeyId));
  for (const std::string key : {"wal_005/000000010000000000000004", "wal_005/00000002.history",
                                "wal_005/000000010000000000000004.zst", "wal_005/000000010000000000000004.lzo"}) {
    Bytes data = io::to_bytes("1\t0/3000000\tno recovery target specified\n");
    if (codec::codec_from_key(key) != codec::Codec::None) data = compress(codec::codec_from_key(key), data);
    put_raw(s, key, data);
    Bytes stored = get_raw(s.inner(), key);
    ASSERT_TRUE(looks_like_openpgp(stored)) << key;
    std::size_t pkesk = first_packet_size(stored);
    ASSERT_LT(pkesk, stored.size()) << key;
    for (std::size_t cut : {pkesk, pkesk - 1, pkesk + 1, stored.size() - 1}) {
      put_raw(s.inner(), key, Bytes(stored.begin(), stored.begin() + static_cast<std::ptrdiff_t>(cut)));
      try {
        Bytes got = get_raw(s, key);
        ADD_FAILURE() << key << " cut to " << cut << " of " << stored.size() << " bytes read as " << got.size()
                      << " bytes";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Corrupt) << key << " cut to " << cut << ": " << e.message();
      }
    }
  }
}

TEST(CryptoGpg, IgnoreMdcErrorInGpgConfDoesNotLetDamageThrough) {
  // With "ignore-mdc-error" in gpg.conf, `gpg -d` of a manipulated message
  // exits 0 and reports DECRYPTION_OKAY; only the missing GOODMDC tells.
  // An uncompressed WAL object has no other checksum to catch it.
  test::GpgHome home;
  EncryptingStore s(std::make_unique<store::MemoryStore>(), gpg_for(test::GpgHome::kKeyId));
  std::string key = "wal_005/000000010000000000000004";
  put_raw(s, key, random_bytes(200000, 12));
  flip_middle_byte(s.inner(), key);
  write_gpg_conf(home, "ignore-mdc-error");
  expect_corrupt_naming(s, key, "000000010000000000000004");
}

TEST(CryptoGpg, UnknownRecipientFailsThePutAndStoresNothing) {
  test::GpgHome home;
  EncryptingStore s(std::make_unique<store::MemoryStore>(), gpg_for("NOSUCHKEY0000000"));
  std::string key = "wal_005/000000010000000000000005.zst";
  try {
    put_raw(s, key, compress(codec::Codec::Zstd, random_bytes(300000, 5)));
    FAIL() << "encrypted for a missing key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config) << e.message();
    EXPECT_NE(e.message().find("000000010000000000000005"), std::string::npos) << e.message();
  }
  EXPECT_FALSE(s.stat(key).has_value());
}

// Sets an environment variable for one scope (tests run one per process).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(CryptoGpg, GpgAndTheAgentItStartsGetNoCredentialsInTheirEnvironment) {
  // gpg needs none of wal-e's credentials, and a gpg-agent it starts keeps
  // its environment (/proc/PID/environ) long after wal-e exits.
  test::GpgHome home;
  test::TempDir dir;
  const std::string dump = dir.path() + "/gpg.env";
  std::string real_gpg;  // the gpg the wrapper runs: the first in PATH
  for (std::string_view path = std::getenv("PATH"); real_gpg.empty() && !path.empty();) {
    std::string candidate = std::string(path.substr(0, path.find(':'))) + "/gpg";
    if (::access(candidate.c_str(), X_OK) == 0) real_gpg = candidate;
    path.remove_prefix(
        std::min(path.size(), path.find(':') == std::string_view::npos ? path.size() : path.find(':') + 1));
  }
  ASSERT_FALSE(real_gpg.empty());
  {
    std::ofstream script(dir.path() + "/gpg");
    script << "#!/bin/sh\nenv >> '" << dump << "'\nexec '" << real_gpg << "' \"$@\"\n";
  }
  ASSERT_EQ(::chmod((dir.path() + "/gpg").c_str(), 0755), 0);
  ScopedEnv path("PATH", dir.path() + ":" + std::string(std::getenv("PATH")));
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "secret-key-0123456789");
  ScopedEnv token("AWS_SESSION_TOKEN", "session-token-0123456789");
  ScopedEnv sodium("WALE_LIBSODIUM_KEY", std::string(64, 'e'));
  ScopedEnv pgpassword("PGPASSWORD", "pg-password-0123456789");
  ScopedEnv container("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token-0123456789");

  config::Settings settings;
  settings.backend = config::Backend::File;
  settings.file_root = dir.path() + "/archive";
  ASSERT_EQ(::mkdir(settings.file_root.c_str(), 0700), 0);
  settings.gpg_key_id = test::GpgHome::kKeyId;
  auto s = app::make_store(settings);
  std::string key = "wal_005/000000010000000000000009.lzo";
  Bytes lzo = compress(codec::Codec::Lzop, random_bytes(1000, 10));
  put_raw(*s, key, lzo);
  EXPECT_EQ(get_raw(*s, key), lzo);

  std::ifstream in(dump);
  std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(env.find("GNUPGHOME=" + home.path()), std::string::npos) << env;  // both runs saw the keyring
  for (const char* value : {"secret-key-0123456789", "session-token-0123456789", "eeeeeeeeeeeeeeee",
                            "pg-password-0123456789", "container-token-0123456789"}) {
    EXPECT_EQ(env.find(value), std::string::npos) << value << " reached gpg's environment";
  }
}

TEST(CryptoGpg, MissingProgramIsAConfigError) {
  Encryption e = gpg_for("X");
  e.gpg_program = "/nonexistent/gpg";
  EncryptingStore s(std::make_unique<store::MemoryStore>(), e);
  try {
    s.put("wal_005/000000010000000000000006");
    FAIL();
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::Config);
  }
}

TEST(CryptoGpg, ArgumentsAreWalEsPipelinePlusBatchAndTrust) {
  auto a = GpgProcess::arguments(GpgProcess::Mode::Encrypt, "KEY");
  std::vector<std::string> want{"gpg", "--batch",       "--no-tty", "-q", "--no-armor", "--no-textmode", "-e", "-z",
                                "0",   "--trust-model", "always",   "-r", "KEY"};
  EXPECT_EQ(a, want);
  EXPECT_EQ(GpgProcess::arguments(GpgProcess::Mode::Decrypt, ""),
            (std::vector<std::string>{"gpg", "--batch", "--no-tty", "-q", "--status-fd", "3", "-d"}));
}

}  // namespace
}  // namespace wale::crypto
