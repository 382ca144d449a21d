#include "fetch/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "base/request_error.hpp"

namespace certdoctor {
namespace {

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw RequestError("invalid_url", "invalid URL '" + std::string(url.substr(0, 200)) + "': " + why);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

bool valid_hostname(std::string_view h) {
  // Firefox hands us the ASCII (punycode) form; anything else here is not a host name it could have loaded.
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

std::uint16_t parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return 0;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535 ? static_cast<std::uint16_t>(value) : 0;
}

std::string Target::authority() const {
  std::string h = host_is_ipv6 ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Target parse_target(std::string_view url) {
  std::string_view rest = url;
  if (auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    if (!starts_with_ci(rest, "https://")) {
      bad_url(url, "only https URLs have a certificate to diagnose");
    }
    rest.remove_prefix(scheme_end + 3);
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);  // user:pass@
  if (rest.empty()) bad_url(url, "no host name");

  Target t;
  std::string_view host = rest, port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated IPv6 address");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url(url, "unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) bad_url(url, "empty port");
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) bad_url(url, "not an IPv6 address");
    t.host_is_ip = t.host_is_ipv6 = true;
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) bad_url(url, "empty port");
  }
  if (!port.empty()) {
    t.port = parse_port(port);
    if (t.port == 0) bad_url(url, "port must be a number from 1 to 65535");
  }
  t.host.assign(host);
  std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!t.host_is_ip) {
    if (!valid_hostname(t.host)) bad_url(url, "host name must be ASCII letters, digits, '-', '.' (punycode for IDN)");
    in_addr a4{};
    t.host_is_ip = inet_pton(AF_INET, t.host.c_str(), &a4) == 1;
  }
  return t;
}

}  // namespace certdoctor
