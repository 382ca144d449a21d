// The files `certdoctor audit` reads: a target list, or the output of a scanner that already ran across the
// network. The kind is recognised from the content (never from the file name), and every reader streams: it
// holds one record at a time, whatever the file's size. One file per scanner format: scan_zgrab2.cpp,
// scan_nmap.cpp, scan_masscan.cpp, scan_sslyze.cpp, scan_testssl.cpp.
#pragma once
#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/observation.hpp"
#include "base/hex.hpp"

namespace certdoctor::audit {

enum class InputKind { target_list, zgrab2, nmap, masscan, sslyze, testssl };
std::string_view input_kind_name(InputKind kind);

// Recognises a file from its first bytes (up to a few KiB).
InputKind detect_input(std::string_view head);

// A file that is not what it claimed to be: which file, where, and what is wrong.
class ScanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScanContext {
  std::string source;          // the file's name, for messages
  std::uint16_t default_port;  // for records that name no port (zgrab2 without one)
  ObservationSink sink;
};

void read_zgrab2(std::istream& in, const ScanContext& ctx);
void read_nmap(std::istream& in, const ScanContext& ctx);
void read_masscan(std::istream& in, const ScanContext& ctx);
void read_sslyze(std::istream& in, const ScanContext& ctx);
void read_testssl(std::istream& in, const ScanContext& ctx);
void read_scan(InputKind kind, std::istream& in, const ScanContext& ctx);  // dispatches to the above

// Shared by the readers (with decode_base64, base/hex.hpp): every PEM certificate in a text, as DER, in order (line
// breaks may have been turned into spaces, as testssl.sh does).
std::vector<std::string> pem_certificates(std::string_view text);

// Calls `element` with each JSON value found at `depth` inside the document read from `in` (1: the elements of
// a top-level array or the members of a top-level object; 2: one level further), then forgets it, so that memory
// stays at one element whatever the file's size. `path` (may be empty) names the key each level must have, e.g.
// {"server_scan_results"} to stream that array's elements at depth 2.
void stream_json_elements(std::istream& in, int depth, const std::vector<std::string>& path,
                          const std::function<void(const nlohmann::json&)>& element, const std::string& source);

}  // namespace certdoctor::audit
