// Encryption: what a run encrypts new objects with, and which objects.
//
// WAL-E encrypted the data objects -- archived WAL (wal_005/) and base-backup
// tar partitions -- and left sentinels, extended_version.txt and (ours) the
// backup manifest in the clear, so that backup-list works without the key.
// wal-e does the same. Reads recognise encrypted objects by content
// (crypto/object_format.h), so one archive may mix plain and encrypted
// objects -- under a libsodium key only with accept_plain / accept_gpg. Plain value;
// thread-safe to read.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/sodium_key.h"

namespace wale::crypto {

struct Encryption {
  // Non-empty: new data objects are OpenPGP-encrypted for this recipient with
  // the gpg program (WALE_GPG_KEY_ID / --gpg-key-id).
  std::string gpg_recipient;
  // The gpg executable (PATH lookup); tests point it elsewhere.
  std::string gpg_program = "gpg";
  // Environment variables gpg is started without: wal-e's credentials
  // (config::secret_variables). gpg needs none, and a gpg-agent it starts
  // would keep them in its environment after wal-e has exited.
  std::vector<std::string> gpg_hidden_variables;

  // Set: new data objects are libsodium secret streams under this key
  // (WALE_LIBSODIUM_KEY / WALE_LIBSODIUM_KEY_PATH), and reads decrypt them.
  // At most one of gpg_recipient and sodium_key is set (resolve_settings).
  std::shared_ptr<const SodiumKey> sodium_key;
  // With sodium_key: reads also accept plain (unencrypted) data objects
  // (WALE_LIBSODIUM_ACCEPT_PLAIN), for an archive that turned encryption on
  // later. False: a plain data object is Error{Corrupt} -- anyone who can
  // write to the bucket could otherwise substitute WAL of their own making.
  // Without sodium_key it has no effect: plain objects are read as WAL-E did.
  bool accept_plain = false;
  // With sodium_key: reads also accept OpenPGP data objects
  // (WALE_LIBSODIUM_ACCEPT_GPG), for an archive that moved from GPG to
  // libsodium. False: Error{Corrupt} -- encrypting needs only a public key,
  // so anyone who can write to the bucket and holds the public key of a
  // secret key in the restoring keyring could substitute WAL. Without
  // sodium_key it has no effect: OpenPGP objects are read as WAL-E did.
  bool accept_gpg = false;

  bool encrypts() const { return !gpg_recipient.empty() || sodium_key != nullptr; }
};

// True for the keys whose objects are encrypted: WAL files and tar partitions.
bool is_data_key(std::string_view key);

}  // namespace wale::crypto
