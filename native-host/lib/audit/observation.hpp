// One endpoint as the audit sees it before judging it: where it is (HOST:PORT), where the facts came from (our
// own fetch or a scanner's file), and what it served. Scanners and fetches produce these; analysis judges them.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/finding.hpp"

namespace certdoctor::audit {

struct Observation {
  std::string host;            // lower case; IPv6 without brackets
  std::uint16_t port = 443;
  std::string source;          // "fetch", "zgrab2", "nmap", "masscan", "sslyze", "testssl"
  std::vector<std::string> chain_der;  // as served, leaf first (a scanner may give the leaf only)
  std::string tls_version;     // "TLSv1.2", ... when known
  std::string cipher;          // when known
  std::optional<Finding> failure;  // the fetch or the scanner says the endpoint could not be read
};

using ObservationSink = std::function<void(Observation&&)>;

// HOST:PORT, IPv6 in brackets: how every output names an endpoint.
std::string endpoint_name(const std::string& host, std::uint16_t port);

}  // namespace certdoctor::audit
