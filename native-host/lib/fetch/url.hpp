// The site a diagnosis is about, taken from a URL the way Firefox would reach it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace certdoctor {

struct Target {
  std::string host;          // lower case; IPv6 literals without brackets
  std::uint16_t port = 443;
  bool host_is_ip = false;   // IP literals get no SNI, and are matched against IP SANs
  bool host_is_ipv6 = false;

  std::string authority() const;  // host:port, with brackets for IPv6
};

// Accepts https URLs and bare "host[:port]" (taken as https). Throws RequestError("invalid_url") with a
// message that says what is wrong.
Target parse_target(std::string_view url);

// Parses a port number 1..65535; returns 0 when the text is not one.
std::uint16_t parse_port(std::string_view text);

}  // namespace certdoctor
