// Strict parsing of unsigned numbers from text: settings, command-line
// arguments and stored data all go through here, never through stoi/stoul
// (which skip spaces, accept signs and trailing garbage, and wrap negatives).
//
// The whole text must be the number: digits only (hex digits for base 16,
// either case), no sign, no spaces, no "0x", no suffix, at least one digit.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error.h"

namespace wale {

// The value, or std::nullopt if `text` is not a number in base 10/16 that fits 64 bits.
std::optional<std::uint64_t> to_uint64(std::string_view text, int base = 10) noexcept;

// The value if it is a number within [min, max]; otherwise throws
// Error{code, "<what> must be a whole number from <min> to <max>, got \"<text>\""}.
// `what` names the setting, argument or stored field (e.g. "WALE_RETRIES").
std::uint64_t parse_uint(std::string_view text, std::string_view what, std::uint64_t min, std::uint64_t max,
                         ErrorCode code);

// Parses a byte count with an optional 1024-based unit suffix (k, K, kB, KiB;
// M, MB, MiB; G, GB, GiB; T, TB, TiB) within [min, max] bytes, checking that the
// multiplication does not overflow. Throws Error{code} naming `what` otherwise.
std::uint64_t parse_byte_count(std::string_view text, std::string_view what, std::uint64_t min, std::uint64_t max,
                               ErrorCode code);

}  // namespace wale
