#include "audit/scan_input.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace certdoctor::audit {

using nlohmann::json;

std::string_view input_kind_name(InputKind kind) {
  switch (kind) {
    case InputKind::target_list: return "target list";
    case InputKind::zgrab2: return "zgrab2";
    case InputKind::nmap: return "nmap";
    case InputKind::masscan: return "masscan";
    case InputKind::sslyze: return "sslyze";
    case InputKind::testssl: return "testssl";
  }
  return "?";
}

InputKind detect_input(std::string_view head) {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);  // a byte-order mark
  auto first = std::find_if(head.begin(), head.end(), [](unsigned char c) { return !std::isspace(c); });
  if (first == head.end()) return InputKind::target_list;
  const std::string_view rest = head.substr(static_cast<std::size_t>(first - head.begin()));
  auto has = [&](std::string_view s) { return rest.find(s) != std::string_view::npos; };
  if (rest.front() == '<' && (has("<nmaprun") || has("nmap"))) return InputKind::nmap;
  if (rest.front() == '{') {
    if (has("\"server_scan_results\"") || has("\"sslyze_version\"")) return InputKind::sslyze;
    if (has("\"data\"")) return InputKind::zgrab2;  // one record per line: {"ip": ..., "data": {module: ...}}
  }
  if (rest.front() == '[') {
    if (has("\"finding\"") && has("\"id\"")) return InputKind::testssl;
    if (has("\"ports\"") && has("\"ip\"")) return InputKind::masscan;
  }
  return InputKind::target_list;
}

void read_scan(InputKind kind, std::istream& in, const ScanContext& ctx) {
  switch (kind) {
    case InputKind::zgrab2: return read_zgrab2(in, ctx);
    case InputKind::nmap: return read_nmap(in, ctx);
    case InputKind::masscan: return read_masscan(in, ctx);
    case InputKind::sslyze: return read_sslyze(in, ctx);
    case InputKind::testssl: return read_testssl(in, ctx);
    case InputKind::target_list: break;
  }
  throw ScanError(ctx.source + ": a target list is not a scanner's output");
}

std::vector<std::string> pem_certificates(std::string_view text) {
  static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = text.find(begin, pos)) != std::string_view::npos) {
    std::size_t body = pos + begin.size();
    std::size_t stop = text.find(end, body);
    if (stop == std::string_view::npos) break;
    std::string der = decode_base64(text.substr(body, stop - body));
    if (!der.empty()) out.push_back(std::move(der));
    pos = stop + end.size();
  }
  return out;
}

void stream_json_elements(std::istream& in, int depth, const std::vector<std::string>& path,
                          const std::function<void(const json&)>& element, const std::string& source) {
  std::vector<std::string> keys(static_cast<std::size_t>(depth) + 2);
  auto on_path = [&] {
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (keys[i + 1] != path[i]) return false;
    }
    return true;
  };
  try {
    // What is left (the document minus the streamed elements) is small and not needed.
    json rest = json::parse(in, [&](int d, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::key && d < static_cast<int>(keys.size())) {
        keys[static_cast<std::size_t>(d)] = parsed.get<std::string>();
      } else if (event == json::parse_event_t::object_end && d == depth && on_path()) {
        element(parsed);
        return false;  // forget it: one element in memory at a time
      }
      return true;
    });
    (void)rest;
  } catch (const json::parse_error& e) {
    throw ScanError(source + ": not valid JSON (" + e.what() + ")");
  }
}

}  // namespace certdoctor::audit
