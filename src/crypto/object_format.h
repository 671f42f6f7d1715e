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
// raw WAL: ASCII or 0x10 0xD1...). Needs at most 7 bytes.
bool looks_like_openpgp(std::span<const std::byte> head);

// True if `head` starts with the magic number of `codec`'s container (lzop,
// zstd incl. skippable frames, lz4 frame or legacy); always false for None.
bool starts_with_codec_magic(codec::Codec codec, std::span<const std::byte> head);

}  // namespace wale::crypto
