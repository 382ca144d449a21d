// A certificate described for people and for the protocol: every field an admin needs, in the formats the
// contract fixes (sha256 and serial as lower-case hex, names in RFC 4514, times in ISO-8601 UTC).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace certdoctor {

std::string sha256_hex(std::string_view der);

// Describes a DER certificate. Never throws on bad input: what OpenSSL cannot parse is described as
// {sha256, der_length, parse_error}.
nlohmann::json describe_certificate(std::string_view der);

}  // namespace certdoctor
