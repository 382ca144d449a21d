// Bytes as lower-case hexadecimal, and the digests certdoctor names certificates by.
#pragma once
#include <string>
#include <string_view>

namespace certdoctor {

std::string to_hex(std::string_view bytes);
// The bytes of an even-length hexadecimal string (either case); empty when it is not one.
std::string from_hex(std::string_view hex);

// Base64 (whitespace ignored) to bytes; "" when it is not base64.
std::string decode_base64(std::string_view text);

std::string sha256_hex(std::string_view data);  // lower-case hex, no colons
std::string sha1(std::string_view data);        // raw bytes

}  // namespace certdoctor
