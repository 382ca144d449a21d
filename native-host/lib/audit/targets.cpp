#include "audit/targets.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "audit/observation.hpp"
#include "base/request_error.hpp"

namespace certdoctor::audit {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string endpoint_name(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Target parse_audit_target(std::string_view text, std::uint16_t default_port) {
  text = trim(text);
  if (text.find("://") != std::string_view::npos) return parse_target(text);  // a URL: its port, or 443
  // A bare IPv6 address has several colons and no brackets: all of it is the address.
  if (text.find('[') == std::string_view::npos && std::count(text.begin(), text.end(), ':') > 1) {
    in6_addr a6{};
    if (inet_pton(AF_INET6, std::string(text).c_str(), &a6) != 1) {
      throw RequestError("invalid_url", "'" + std::string(text.substr(0, 200)) +
                                            "' is not an IPv6 address (write [ADDRESS]:PORT to give a port)");
    }
    Target t = parse_target("[" + std::string(text) + "]");
    t.port = default_port;
    return t;
  }
  const bool has_port = text.front() == '[' ? text.find("]:") != std::string_view::npos
                                            : text.find(':') != std::string_view::npos;
  Target t = parse_target(text);
  if (!has_port) t.port = default_port;
  return t;
}

void read_target_list(std::istream& in, const std::string& source, std::uint16_t default_port, TargetList& out) {
  std::set<std::string> seen;
  for (const auto& t : out.targets) seen.insert(t.authority());
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = line;
    if (auto hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
    text = trim(text);
    if (text.empty()) continue;
    try {
      Target t = parse_audit_target(text, default_port);
      if (seen.insert(t.authority()).second) out.targets.push_back(std::move(t));
    } catch (const RequestError& e) {
      out.errors.push_back({source, number, std::string(text.substr(0, 200)), e.what()});
    }
  }
}

}  // namespace certdoctor::audit
