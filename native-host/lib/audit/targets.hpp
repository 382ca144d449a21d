// The list of targets an admin gives `certdoctor audit`: one per line, a URL (https://host[:port]/...), host[:port],
// an IPv4 address or an IPv6 address (bracketed when a port follows); `#` starts a comment. Bare hosts get the
// default port (`--port`). Nothing else is ever contacted.
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "fetch/tls_fetch.hpp"

namespace certdoctor::audit {

struct TargetListError {
  std::string source;  // the file's name, or "stdin"
  std::size_t line = 0;
  std::string text;    // the line as given
  std::string reason;
};

struct TargetList {
  std::vector<Target> targets;  // in the order given, duplicates (same HOST:PORT) removed
  std::vector<TargetListError> errors;
};

// Reads one target per line; lines that are not targets are collected in `errors`, never silently skipped.
void read_target_list(std::istream& in, const std::string& source, std::uint16_t default_port, TargetList& out);

// One target: a URL, host[:port], an IPv4 or IPv6 address. Throws RequestError with the reason.
Target parse_audit_target(std::string_view text, std::uint16_t default_port);

}  // namespace certdoctor::audit
