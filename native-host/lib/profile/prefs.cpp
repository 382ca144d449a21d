#include "profile/prefs.hpp"

#include <fstream>
#include <regex>
#include <sstream>

namespace certdoctor {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The policy's version names (Firefox's Policies.sys.mjs) as Firefox's pref numbers.
int version_number(const std::string& name) {
  if (name == "tls1") return 1;
  if (name == "tls1.1") return 2;
  if (name == "tls1.2") return 3;
  if (name == "tls1.3") return 4;
  return 0;
}

}  // namespace

nlohmann::json parse_prefs_js(std::string_view text) {
  // Firefox writes one pref a line; its strings use JSON-compatible escapes.
  static const std::regex line(R"re(^\s*user_pref\(\s*("(?:[^"\\]|\\.)*")\s*,\s*(true|false|-?[0-9]+|"(?:[^"\\]|\\.)*")\s*\)\s*;)re");
  nlohmann::json out = nlohmann::json::object();
  std::istringstream in{std::string(text)};
  std::string l;
  std::smatch m;
  while (std::getline(in, l)) {
    if (!std::regex_search(l, m, line)) continue;
    try {
      out[nlohmann::json::parse(m[1].str()).get<std::string>()] = nlohmann::json::parse(m[2].str());
    } catch (const nlohmann::json::exception&) {
      // a value Firefox itself would not have written: skipped
    }
  }
  return out;
}

nlohmann::json parse_tls_policies(std::string_view text) {
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("policies") || !doc["policies"].is_object()) return out;
  const nlohmann::json& p = doc["policies"];
  for (auto [key, pref] : {std::pair{"SSLVersionMin", "security.tls.version.min"},
                           std::pair{"SSLVersionMax", "security.tls.version.max"}}) {
    if (p.contains(key) && p[key].is_string()) {
      if (int n = version_number(p[key].get<std::string>())) out[pref] = n;
    }
  }
  if (p.contains("DisabledCiphers") && p["DisabledCiphers"].is_object()) {
    nlohmann::json ciphers = nlohmann::json::object();
    for (const auto& [name, disabled] : p["DisabledCiphers"].items()) {
      if (disabled.is_boolean()) ciphers[name] = disabled;
    }
    out["policies.DisabledCiphers"] = ciphers;
  }
  return out;
}

std::vector<std::filesystem::path> default_policy_files() {
  return {"/etc/firefox/policies/policies.json", "/usr/lib/firefox-esr/distribution/policies.json",
          "/usr/lib/firefox/distribution/policies.json"};
}

nlohmann::json read_firefox_prefs(const std::filesystem::path& dir, const std::vector<std::filesystem::path>& policy_files) {
  nlohmann::json prefs = parse_prefs_js(read_file(dir / "prefs.js"));
  prefs.update(parse_prefs_js(read_file(dir / "user.js")));
  for (const auto& f : policy_files) {
    std::error_code ec;
    if (!std::filesystem::exists(f, ec)) continue;
    prefs.update(parse_tls_policies(read_file(f)));
    break;
  }
  return prefs;
}

}  // namespace certdoctor
