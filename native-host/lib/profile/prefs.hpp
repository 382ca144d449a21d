// The profile's own settings that change Firefox's TLS handshake: prefs.js (what about:config and the error page's
// buttons wrote), user.js (an administrator's overrides, read after prefs.js) and the enterprise policies that set
// the same things (SSLVersionMin, SSLVersionMax, DisabledCiphers in policies.json, which lock the prefs). Only the
// values are read here; fetch/firefox_hello decides what they change in Firefox's offer.
#pragma once
#include <filesystem>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace certdoctor {

// `user_pref("name", value);` lines: name -> value (bool, integer or string). Other lines are skipped; a later
// line for the same name wins, as in Firefox.
nlohmann::json parse_prefs_js(std::string_view text);

// The policies that concern the handshake, as the prefs they lock: SSLVersionMin/Max as
// security.tls.version.min/max, and DisabledCiphers (IANA name -> true to disable) kept whole under
// "policies.DisabledCiphers".
nlohmann::json parse_tls_policies(std::string_view policies_json);

// Where Firefox on this system reads enterprise policies: /etc/firefox/policies/policies.json, else the
// installation's distribution/policies.json (Debian: /usr/lib/firefox-esr/distribution/).
std::vector<std::filesystem::path> default_policy_files();

// prefs.js, then user.js, then the first policy file that exists (a locked pref beats the user's).
// A missing or unreadable file counts as empty.
nlohmann::json read_firefox_prefs(const std::filesystem::path& profile_dir,
                                  const std::vector<std::filesystem::path>& policy_files = default_policy_files());

}  // namespace certdoctor
