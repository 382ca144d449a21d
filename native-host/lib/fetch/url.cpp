#include "fetch/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

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

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One part of a WHATWG IPv4 address: decimal, 0x hex or leading-0 octal; nullopt when it is not a number.
std::optional<std::uint64_t> ipv4_number(std::string_view part) {
  int base = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : part) {
    const int d = hex_value(c);
    if (d < 0 || d >= base) return std::nullopt;
    value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    if (value > 0xffffffffULL) value = 0x100000000ULL;  // too large either way; keeps the number bounded
  }
  return value;
}

// The WHATWG URL Standard's "ends in a number" host: Firefox parses it as an IPv4 address (2130706433,
// 0x7f.1, 0177.0.0.1 are all 127.0.0.1) or refuses the URL. Returns the dotted form, "" when the host is a name.
std::string whatwg_ipv4(std::string_view url, std::string_view host) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();  // one trailing dot is allowed
  const std::string_view last = parts.back();
  const bool ends_in_number = !last.empty() && (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
                                                ipv4_number(last).has_value());
  if (!ends_in_number) return "";
  if (parts.size() > 4) bad_url(url, "not an IPv4 address");
  std::vector<std::uint64_t> numbers;
  for (auto part : parts) {
    if (part.empty()) bad_url(url, "not an IPv4 address");
    const auto n = ipv4_number(part);
    if (!n) bad_url(url, "not an IPv4 address");
    numbers.push_back(*n);
  }
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) bad_url(url, "not an IPv4 address");
  }
  if (numbers.back() >= (1ULL << (8 * (5 - numbers.size())))) bad_url(url, "not an IPv4 address");
  std::uint64_t ipv4 = numbers.back();
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) ipv4 += numbers[i] << (8 * (3 - i));
  return std::to_string(ipv4 >> 24) + "." + std::to_string((ipv4 >> 16) & 255) + "." + std::to_string((ipv4 >> 8) & 255) +
         "." + std::to_string(ipv4 & 255);
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

// The URL is read the way Firefox's URL parser (the WHATWG URL Standard, for a special scheme) reads it, so that
// the host certdoctor connects to and judges is the host Firefox opens: tabs and newlines dropped, leading and
// trailing spaces and controls trimmed, "\" read as "/", any number of slashes after "https:", userinfo up to
// the authority's last "@", the host percent-decoded and lower-cased, a host ending in a number read as IPv4.
// Where certdoctor would have to go further than that (IDNA mapping of non-ASCII names), it refuses instead.
Target parse_target(std::string_view url) {
  std::string cleaned;
  {
    std::size_t b = 0, e = url.size();
    while (b < e && static_cast<unsigned char>(url[b]) <= 0x20) ++b;
    while (e > b && static_cast<unsigned char>(url[e - 1]) <= 0x20) --e;
    for (char c : url.substr(b, e - b)) {
      if (c != '\t' && c != '\n' && c != '\r') cleaned += c;
    }
  }
  std::string_view rest = cleaned;
  // A scheme: letters first, then letters, digits, + - . up to a colon. Without one, "host[:port]" is taken as
  // https (a colon after a host name is a port, not a scheme, when digits follow it).
  const auto colon = rest.find(':');
  const bool has_scheme = colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(rest[0])) &&
                          std::all_of(rest.begin(), rest.begin() + static_cast<long>(colon), [](unsigned char c) {
                            return std::isalnum(c) || c == '+' || c == '-' || c == '.';
                          }) &&
                          !(colon + 1 < rest.size() && std::isdigit(static_cast<unsigned char>(rest[colon + 1])) &&
                            rest.find("//") == std::string_view::npos);
  if (has_scheme) {
    if (!starts_with_ci(rest, "https:")) bad_url(url, "only https URLs have a certificate to diagnose");
    rest.remove_prefix(6);
    while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);
  }
  rest = rest.substr(0, rest.find_first_of("/\\?#"));
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
    char canonical[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &a6, canonical, sizeof canonical);
    t.host = canonical;
    t.host_is_ip = t.host_is_ipv6 = true;
  } else if (auto c = rest.rfind(':'); c != std::string_view::npos) {
    host = rest.substr(0, c);
    port = rest.substr(c + 1);
    if (port.empty()) bad_url(url, "empty port");
  }
  if (!port.empty()) {
    // Leading zeros are allowed (0443 is 443), as Firefox reads a port.
    std::string_view digits = port;
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    t.port = parse_port(digits);
    if (t.port == 0) bad_url(url, "port must be a number from 1 to 65535");
  }
  if (!t.host_is_ipv6) {
    t.host = percent_decoded(host);
    std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!valid_hostname(t.host)) bad_url(url, "host name must be ASCII letters, digits, '-', '.' (punycode for IDN)");
    if (t.host.front() == '-') bad_url(url, "a host name does not start with '-'");
    if (const std::string v4 = whatwg_ipv4(url, t.host); !v4.empty()) {
      t.host = v4;
      t.host_is_ip = true;
    }
  }
  return t;
}

}  // namespace certdoctor
