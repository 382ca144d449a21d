// The profile's TLS settings: prefs.js / user.js lines and enterprise policies, and what they change in the
// handshake certdoctor offers as Firefox (the offer itself is compared with real Firefox's hello in
// tests/browser/client-hello.mjs).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fetch/firefox_hello.hpp"
#include "profile/prefs.hpp"

using namespace certdoctor;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> offered_codes(const FirefoxOffer& o) {
  std::vector<std::string> out;
  for (const auto* s : o.suites) out.push_back(s->iana);
  return out;
}
bool offers(const FirefoxOffer& o, const std::string& iana) {
  auto c = offered_codes(o);
  return std::find(c.begin(), c.end(), iana) != c.end();
}
}  // namespace

TEST_CASE("prefs.js lines are read as Firefox writes them, and other lines are skipped", "[prefs]") {
  auto p = parse_prefs_js(
      "// Mozilla User Preferences\n"
      "user_pref(\"security.tls.version.min\", 1);\n"
      "user_pref(\"security.tls.version.enable-deprecated\", true);\n"
      "user_pref(\"browser.startup.homepage\", \"https://a.test/\\\"x\");\n"
      "user_pref(\"broken\", );\n"
      "pref(\"not.a.user.pref\", 3);\n"
      "user_pref(\"security.tls.version.min\", 2);\n");
  CHECK(p.at("security.tls.version.min") == 2);  // the later line wins
  CHECK(p.at("security.tls.version.enable-deprecated") == true);
  CHECK(p.at("browser.startup.homepage") == "https://a.test/\"x");
  CHECK_FALSE(p.contains("broken"));
  CHECK_FALSE(p.contains("not.a.user.pref"));
}

TEST_CASE("policies set the version range and switch suites off by their IANA names", "[prefs]") {
  auto p = parse_tls_policies(R"({"policies": {"SSLVersionMin": "tls1.3", "SSLVersionMax": "tls1.3",
      "DisabledCiphers": {"TLS_RSA_WITH_AES_128_CBC_SHA": true, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA": false}}})");
  CHECK(p.at("security.tls.version.min") == 4);
  CHECK(p.at("security.tls.version.max") == 4);
  FirefoxOffer o = firefox_offer(p);
  CHECK(o.version_min == 4);
  CHECK_FALSE(offers(o, "TLS_RSA_WITH_AES_128_CBC_SHA"));
  CHECK(offers(o, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"));  // false = enabled (and locked)
  CHECK(parse_tls_policies("not json").empty());
  CHECK(parse_tls_policies(R"({"policies": {"SSLVersionMin": "ssl3"}})").empty());
}

TEST_CASE("Firefox's default offer, and what the profile's prefs change in it", "[prefs]") {
  FirefoxOffer d = firefox_offer(nlohmann::json::object());
  CHECK(d.version_min == 3);
  CHECK(d.version_max == 4);
  CHECK(d.changed_by.empty());
  CHECK(offered_codes(d).front() == "TLS_AES_128_GCM_SHA256");
  CHECK_FALSE(offers(d, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
  CHECK_FALSE(offers(d, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"));
  CHECK(d.suites.size() == 16);  // as measured

  FirefoxOffer old = firefox_offer({{"security.tls.version.enable-deprecated", true}});
  CHECK(old.version_min == 1);
  CHECK(old.deprecated_enabled);
  CHECK(offers(old, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
  CHECK(describe_offer(old).rfind("TLS 1.0 to TLS 1.3; TLS_AES_128_GCM_SHA256", 0) == 0);

  FirefoxOffer off = firefox_offer({{"security.ssl3.ecdhe_rsa_aes_128_gcm_sha256", false}});
  CHECK_FALSE(offers(off, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
  REQUIRE(off.changed_by.size() == 1);
  CHECK(off.changed_by[0] == "security.ssl3.ecdhe_rsa_aes_128_gcm_sha256=false");

  // A range Firefox would not accept falls back to the defaults whole, as Firefox does.
  FirefoxOffer bad = firefox_offer({{"security.tls.version.min", 4}, {"security.tls.version.max", 2}});
  CHECK(bad.version_min == 3);
  CHECK(bad.version_max == 4);
  FirefoxOffer typed = firefox_offer({{"security.tls.version.min", "1"}});
  CHECK(typed.version_min == 3);
}

TEST_CASE("user.js overrides prefs.js, and a policy file overrides both", "[prefs]") {
  fs::path dir = fs::temp_directory_path() / ("certdoctor-prefs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "prefs.js") << "user_pref(\"security.tls.version.min\", 1);\nuser_pref(\"security.tls.version.max\", 3);\n";
  std::ofstream(dir / "user.js") << "user_pref(\"security.tls.version.min\", 2);\n";
  std::ofstream(dir / "policies.json") << R"({"policies": {"SSLVersionMax": "tls1.3"}})";
  auto p = read_firefox_prefs(dir, {dir / "absent.json", dir / "policies.json"});
  CHECK(p.at("security.tls.version.min") == 2);
  CHECK(p.at("security.tls.version.max") == 4);
  CHECK(read_firefox_prefs(dir / "nothing-here", {}).empty());
  fs::remove_all(dir);
}
