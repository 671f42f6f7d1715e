// Recognising what a stored data object is from its first bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <span>

#include "codec/codec.h"

namespace wale::crypto {

// True if `head` begins an encrypted OpenPGP message: a public-key (tag 1,
// version 3 or 6) or symmetric-key (tag 3, version 4..6) session key packet,
// in the old or the new packet format -- what `gpg -e` writes first. No
// codec's container starts that way (lzop 0x89, zstd 0x28, lz4 0x04, tar and
// raw WAL: ASCII or 0x10 0xD1...). Needs at most 7 bytes. Also such a message
// in ASCII armor ("-----BEGIN PGP MESSAGE-----", what gpg writes with "armor"
// in gpg.conf, as WAL-E's objects then are): the packet under its base64
// decides. Needs the armor headers and the first 12 base64 characters.
bool looks_like_openpgp(std::span<const std::byte> head);

// True if `head` (up to the first 8 KiB of an object) is recognisably the
// plain, unencrypted form of a `codec` object: the magic number of the
// codec's container (lzop; zstd incl. skippable frames; lz4 frame or
// legacy), or for codec None one of the only things stored uncompressed: a
// WAL segment (a long page header: xlp_magic 0xD0xx/0xD1xx, XLP_LONG_HEADER,
// a power-of-two segment size 1 MiB..1 GiB and block size 1..64 KiB), a tar
// stream ("ustar" at offset 257) or text (.history/.backup files: no control
// bytes but tab/CR/LF). Random bytes (a libsodium stream) match none of these.
bool looks_plain(codec::Codec codec, std::span<const std::byte> head);

}  // namespace wale::crypto
