// The profile side end to end: real servers, real profiles made with certutil, the real CLI and host.
// The diagnosis names the stored certificate that breaks the site and the situation; remove takes exactly
// that one out (with a backup), undo puts it back exactly.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"

using json = nlohmann::json;

namespace {

using Case = testing::Workspace;

testing::RunResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args);
}

json diagnose(const testing::TlsServer& server, const std::string& host, const Case& c,
              const std::string& reported = "") {
  const std::string port = std::to_string(server.port());
  std::vector<std::string> args = {"diagnose", "https://" + host + ":" + port + "/", "--resolve",
                                   host + ":" + port + ":127.0.0.1", "--profile", c.profile.dir().string(), "--json"};
  if (!reported.empty()) args.insert(args.end(), {"--reported-error", reported});
  auto r = cli(args);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::vector<std::string> codes(const json& d) {
  std::vector<std::string> out;
  for (const auto& f : d.at("findings")) out.push_back(f.at("code"));
  return out;
}

}  // namespace

TEST_CASE("Profile: a stale copy of a re-made device certificate is found, removed and restored", "[profile_fix]") {
  Case c;
  auto old_cert = c.pki.device("old", {.subject = "/CN=idrac.test", .serial = "01"});
  auto new_cert = c.pki.device("new", {.subject = "/CN=idrac.test", .serial = "01"});
  auto root = c.pki.root("root", {.subject = "/CN=Unrelated Root"});
  c.profile.add(old_cert, "idrac.test", ",,");
  c.profile.add(root, "Unrelated Root", "C,,");
  testing::TlsServer server({.cert = new_cert.cert, .key = new_cert.key});
  const std::string before = c.profile.list();

  json d = diagnose(server, "idrac.test", c, "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  REQUIRE(d.at("conflicts").size() == 1);
  const json& k = d.at("conflicts").at(0);
  CHECK(k.at("sha256") == old_cert.sha256());
  CHECK(k.at("nickname") == "idrac.test");
  CHECK(k.at("trust") == ",,");
  CHECK(k.at("serial") == "01");
  CHECK(k.at("reason") == "same_issuer_and_serial");
  CHECK(k.at("removable") == true);
  CHECK(k.at("cert") == 0);
  REQUIRE_FALSE(codes(d).empty());
  CHECK(codes(d)[0] == "stale_copy");
  CHECK_THAT(d.at("findings").at(0).at("fix").get<std::string>(), Catch::Contains("--sha256 " + old_cert.sha256()));

  // The served twin is not stored: asking for it changes nothing.
  auto served = cli({"remove", "--profile", c.profile.dir().string(), "--sha256", new_cert.sha256()});
  CHECK(served.exit_code == 1);
  CHECK_THAT(served.err, Catch::Contains("no certificate"));
  CHECK(c.profile.holds(old_cert));

  // Upper case with colons is the same hash.
  std::string colons;
  for (std::size_t i = 0; i < 64; i += 2) colons += (i ? ":" : "") + old_cert.sha256().substr(i, 2);
  std::transform(colons.begin(), colons.end(), colons.begin(), ::toupper);
  const std::string port = std::to_string(server.port());
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(d.at("overridable") == false);
  auto removed = cli({"remove", "--profile", c.profile.dir().string(), "--sha256", colons, "--json", "--url",
                      "https://idrac.test:" + port + "/", "--resolve", "idrac.test:" + port + ":127.0.0.1"});
  REQUIRE(removed.exit_code == 0);
  json r = json::parse(removed.out);
  CHECK(r.at("removed").at("sha256") == old_cert.sha256());
  CHECK(r.at("verified_gone") == true);
  // What Firefox shows now: the device's factory certificate, an ordinary error the user may click through.
  CHECK(r.at("after").at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK(r.at("after").at("overridable") == true);
  CHECK_FALSE(c.profile.holds(old_cert));
  CHECK(c.profile.holds(root));
  CHECK(c.profile.trust_of("Unrelated Root") == "C,,");
  CHECK(std::filesystem::exists(c.profile.dir() / "certdoctor-backups" / (r.at("backup_id").get<std::string>() + ".json")));

  const json after = diagnose(server, "idrac.test", c);
  REQUIRE(after.contains("conflicts"));  // looked for, and none found (a missing key would pass .empty())
  CHECK(after.at("conflicts").is_array());
  CHECK(after.at("conflicts").empty());

  auto undo = cli({"undo", "--profile", c.profile.dir().string()});
  REQUIRE(undo.exit_code == 0);
  CHECK(testing::sorted_lines(c.profile.list()) == testing::sorted_lines(before));
  CHECK(c.profile.holds(old_cert));
  auto again = cli({"undo", "--profile", c.profile.dir().string()});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("no removal to undo"));
}

TEST_CASE("Profile: a trusted root is removed only with --allow-trusted, and comes back with its trust", "[profile_fix]") {
  Case c;
  auto root = c.pki.root("root", {.subject = "/CN=Corp Root"});
  c.profile.add(root, "Corp Root", "CT,C,C");
  const std::string before = c.profile.list();
  auto refused = cli({"remove", "--profile", c.profile.dir().string(), "--sha256", root.sha256()});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("--allow-trusted"));
  CHECK(c.profile.holds(root));

  auto removed = cli({"remove", "--profile", c.profile.dir().string(), "--sha256", root.sha256(), "--allow-trusted"});
  REQUIRE(removed.exit_code == 0);
  CHECK_FALSE(c.profile.holds(root));
  auto list = cli({"undo", "--profile", c.profile.dir().string(), "--list", "--json"});
  REQUIRE(list.exit_code == 0);
  json backups = json::parse(list.out);
  REQUIRE(backups.size() == 1);
  CHECK(backups[0].at("trust") == "CT,C,C");
  CHECK(backups[0].at("restored") == false);
  auto undo = cli({"undo", "--profile", c.profile.dir().string(), backups[0].at("id")});
  REQUIRE(undo.exit_code == 0);
  CHECK(c.profile.list() == before);
}

TEST_CASE("Profile: devices sharing a factory certificate name and serial are told apart from a stale copy", "[profile_fix]") {
  Case c;
  // Network gear of one model self-signs with a fixed name and serial; only the host names (SAN) differ.
  auto other = c.pki.device("other", {.subject = "/O=Acme/CN=Acme Switch", .serial = "00",
                                      .extensions = {"subjectAltName=DNS:sw1.test"}});
  auto this_one = c.pki.device("this", {.subject = "/O=Acme/CN=Acme Switch", .serial = "00",
                                        .extensions = {"subjectAltName=DNS:sw2.test"}});
  c.profile.add(other, "sw1.test", ",,");
  testing::TlsServer server({.cert = this_one.cert, .key = this_one.key});
  json d = diagnose(server, "sw2.test", c);
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");  // as Firefox gave for own:*-device-twin
  REQUIRE(d.at("conflicts").size() == 1);
  CHECK(d.at("conflicts").at(0).at("sha256") == other.sha256());
  CHECK(codes(d)[0] == "shared_device_serial");
  CHECK(d.at("findings").at(0).at("values").at("stored_names") == "sw1.test");
  CHECK(d.at("findings").at(0).at("values").at("served_names") == "sw2.test");
  CHECK_THAT(d.at("findings").at(0).at("explanation").get<std::string>(), Catch::Contains("sw1.test"));
}

TEST_CASE("Profile: self-signed devices with their own names do not collide", "[profile_fix]") {
  Case c;
  auto dev_a = c.pki.device("a", {.subject = "/CN=ilo-a.test", .serial = "01"});
  auto dev_b = c.pki.device("b", {.subject = "/CN=ilo-b.test", .serial = "01"});
  c.profile.add(dev_a, "ilo-a.test", ",,");  // same serial, but another issuer name: no conflict to blame
  testing::TlsServer server({.cert = dev_b.cert, .key = dev_b.key});
  const json d = diagnose(server, "ilo-b.test", c);
  // Only what any self-signed device gets (own:*-self-signed-ee), not the reused serial.
  CHECK(d.at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  REQUIRE(d.contains("conflicts"));
  CHECK(d.at("conflicts").is_array());
  CHECK(d.at("conflicts").empty());
}

TEST_CASE("Profile: an internal CA reusing serial 1 is named as such", "[profile_fix]") {
  Case c;
  auto ca = c.pki.root("ca", {.subject = "/CN=Lab CA"});
  auto first = c.pki.issue("first", ca, {.subject = "/CN=wiki.lab.test", .serial = "01"});
  auto second = c.pki.issue("second", ca, {.subject = "/CN=git.lab.test", .serial = "01"});
  c.profile.add(ca, "Lab CA", "C,,");
  c.profile.add(first, "wiki.lab.test", ",,");
  testing::TlsServer server({.cert = second.cert, .key = second.key});
  json d = diagnose(server, "git.lab.test", c);
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");  // as Firefox gave for own:*-stale-copy
  REQUIRE(d.at("conflicts").size() == 1);
  CHECK(d.at("conflicts").at(0).at("sha256") == first.sha256());
  CHECK(codes(d)[0] == "ca_serial_reuse");
  CHECK(d.at("findings").at(0).at("values").at("stored_subject") == "CN=wiki.lab.test");
}

TEST_CASE("Profile: a stale intermediate and a re-made CA are found", "[profile_fix]") {
  Case c;
  auto root = c.pki.root("root", {.subject = "/CN=Corp Root"});
  auto old_ica = c.pki.issue("old_ica", root, {.subject = "/CN=Corp Issuing CA", .serial = "1001"}, true);
  auto new_ica = c.pki.issue("new_ica", root, {.subject = "/CN=Corp Issuing CA", .serial = "1001"}, true);
  auto leaf = c.pki.issue("leaf", new_ica, {.subject = "/CN=portal.corp.test"});
  c.profile.add(root, "Corp Root", "C,,");
  c.profile.add(old_ica, "Corp Issuing CA", ",,");
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key, .chain = c.pki.bundle("chain.pem", {new_ica})});
  json d = diagnose(server, "portal.corp.test", c);
  std::vector<std::string> reasons;
  for (const auto& k : d.at("conflicts")) {
    CHECK(k.at("sha256") == old_ica.sha256());
    reasons.push_back(k.at("reason"));
  }
  // The old intermediate collides with the served one (issuer + serial) and cannot have signed the leaf.
  CHECK(reasons == std::vector<std::string>{"issuer_name_other_key", "same_issuer_and_serial"});
  auto found = codes(d);
  CHECK(std::find(found.begin(), found.end(), "stale_intermediate") != found.end());
  CHECK(std::find(found.begin(), found.end(), "stale_issuer") != found.end());
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");  // as Firefox 153 shows it (see the facts)

  // Removing the stale intermediate lets the page load, and the built path then runs through the served one.
  const std::string port = std::to_string(server.port());
  auto removed = cli({"remove", "--profile", c.profile.dir().string(), "--sha256", old_ica.sha256(), "--json", "--url",
                      "https://portal.corp.test:" + port + "/", "--resolve", "portal.corp.test:" + port + ":127.0.0.1"});
  REQUIRE(removed.exit_code == 0);
  CHECK(json::parse(removed.out).at("after").at("firefox_error").is_null());
  json now = diagnose(server, "portal.corp.test", c);
  CHECK(now.at("firefox_error").is_null());
  REQUIRE(now.at("path").size() == 3);
  CHECK(now.at("path").at(1).at("sha256") == new_ica.sha256());
  CHECK(now.at("path").at(1).at("source") == "served");
  CHECK(now.at("path").at(2).at("sha256") == root.sha256());
  CHECK(now.at("path").at(2).at("source") == "profile");
}

TEST_CASE("Profile: nothing stored conflicts, yet Firefox reported the reused serial", "[profile_fix]") {
  Case c;
  auto dev = c.pki.device("dev", {.subject = "/CN=idrac2.test", .serial = "01"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  json d = diagnose(server, "idrac2.test", c, "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(d.at("conflicts").empty());
  REQUIRE_FALSE(codes(d).empty());
  CHECK(codes(d)[0] == "live_connection_conflict");
  // That finding is why Firefox and certdoctor differ: no second warning of a proxy or another route.
  const auto all = codes(d);
  CHECK(std::find(all.begin(), all.end(), "prediction_differs") == all.end());
  // Another reported error than the one an identity in memory explains still gets the warning.
  json other = diagnose(server, "idrac2.test", c, "SEC_ERROR_UNKNOWN_ISSUER");
  const auto other_codes = codes(other);
  CHECK(std::find(other_codes.begin(), other_codes.end(), "prediction_differs") != other_codes.end());
}
