// Every stored culprit named: a distrust entry on the path (SEC_ERROR_UNTRUSTED_ISSUER / _CERT), a stale trusted
// anchor, each in `conflicts` with what removing it changes; the removal then done with --allow-trusted, and the
// prediction compared with the verdict afterwards. Real profiles (certutil), real servers, the real CLI.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "forge.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"
#include "site_check.hpp"

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using testing::cli;
using testing::conflict_with;
using testing::diagnose;
using testing::finding;
using testing::Site;
using testing::site_of;

// Removes the conflict's certificate as its finding's fix says, and returns Firefox's verdict afterwards (as
// certdoctor's remove --url judges it).
json remove_as_told(const json& f, const Site& s, const testing::Profile& p) {
  const std::string fix = f.at("fix");
  CHECK(fix.find("--allow-trusted") != std::string::npos);
  const std::string sha = f.at("values").at("stored_sha256");
  CHECK(fix.find("--sha256 " + sha) != std::string::npos);
  auto refused = cli({"remove", "--profile", p.dir().string(), "--sha256", sha});
  CHECK(refused.exit_code != 0);  // without --allow-trusted: a distrust entry or an anchor is not removed
  auto r = cli({"remove", "--profile", p.dir().string(), "--sha256", sha, "--allow-trusted", "--url", s.url,
                "--resolve", s.resolve, "--json"});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).at("after");
}

}  // namespace

TEST_CASE("Culprits: a stored distrust entry for the intermediate is named, and removing it makes the issuer trusted again",
          "[culprits]") {
  testing::Workspace w;
  auto root = w.pki.root("root", {.subject = "/CN=Corp Root"});
  auto inter = w.pki.issue("inter", root, {.subject = "/CN=Corp Issuing CA"}, true);
  auto leaf = w.pki.issue("leaf", inter, {.subject = "/CN=wiki.corp.test",
                                          .extensions = {"subjectAltName=DNS:wiki.corp.test", "extendedKeyUsage=serverAuth"}});
  w.profile.add(root, "Corp Root", "C,,");
  w.profile.add(inter, "Corp Issuing CA (distrusted)", "p,p,p");
  auto unrelated = w.pki.root("unrelated", {.subject = "/CN=Some Other CA"});
  w.profile.add(unrelated, "Some Other CA (distrusted)", "p,,");
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key, .chain = inter.cert});
  const Site s = site_of(server, "wiki.corp.test");

  const json d = diagnose(s, w.profile);
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNTRUSTED_ISSUER");
  const json* c = conflict_with(d, inter.sha256());
  REQUIRE(c != nullptr);
  CHECK((*c).at("reason") == "distrusted");
  CHECK((*c).at("trust") == "p,p,p");
  CHECK((*c).at("removable") == false);
  CHECK((*c).at("cert") == 0);
  CHECK((*c).at("removal").at("firefox_error").is_null());  // the page loads without it
  CHECK((*c).at("removal").at("changes") == true);
  CHECK((*c).at("removal").at("path_root") == "CN=Corp Root");
  const json* f = finding(d, "stored_distrust");
  REQUIRE(f != nullptr);
  CHECK((*f).at("severity") == "error");
  CHECK(f->at("explanation").get<std::string>().find("Firefox then loads the page") != std::string::npos);
  // The root and the other certificates are not culprits: nothing else is listed.
  CHECK(d.at("conflicts").size() == 1);

  const json after = remove_as_told(*f, s, w.profile);
  CHECK(after.at("firefox_error").is_null());  // what certdoctor predicted
}

TEST_CASE("Culprits: the leaf stored as distrusted is named, with the page loading once it is gone", "[culprits]") {
  testing::Workspace w;
  auto root = w.pki.root("root", {.subject = "/CN=Corp Root"});
  auto leaf = w.pki.issue("leaf", root, {.subject = "/CN=nas.corp.test",
                                         .extensions = {"subjectAltName=DNS:nas.corp.test", "extendedKeyUsage=serverAuth"}});
  w.profile.add(root, "Corp Root", "C,,");
  w.profile.add(leaf, "nas (distrusted)", "p,,");
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key});
  const Site s = site_of(server, "nas.corp.test");

  const json d = diagnose(s, w.profile);
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNTRUSTED_CERT");
  const json* c = conflict_with(d, leaf.sha256());
  REQUIRE(c != nullptr);
  CHECK((*c).at("reason") == "distrusted");
  CHECK((*c).at("removal").at("firefox_error").is_null());
  const json* f = finding(d, "stored_distrust");
  REQUIRE(f != nullptr);
  const json after = remove_as_told(*f, s, w.profile);
  CHECK(after.at("firefox_error").is_null());
}

TEST_CASE("Culprits: an expired copy of the root, still trusted, is named with what its removal changes", "[culprits]") {
  namespace forge = testing::forge;
  testing::Workspace w;
  // The CA renewed its root with the same name and key; the profile trusts only the expired one.
  const forge::Key root_key = forge::make_key("rsa2048");
  const std::vector<std::string> ca = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"};
  forge::Cert old_root = forge::make({.cn = "Corp Root", .ext = ca, .from = forge::utc(2015, 1, 1),
                                      .to = forge::utc(2020, 1, 1), .reuse_key = &root_key}, nullptr);
  forge::Cert new_root = forge::make({.cn = "Corp Root", .ext = ca, .reuse_key = &root_key}, nullptr);
  forge::Cert leaf = forge::make({.cn = "git.corp.test", .ext = {"subjectAltName=DNS:git.corp.test",
                                                                   "extendedKeyUsage=serverAuth"}}, &new_root);
  auto save = [&](const std::string& name, const forge::Cert& c) {
    testing::Issued i{w.dir / (name + ".pem"), w.dir / (name + ".key")};
    testing::write_file(i.cert, c.pem());
    testing::write_file(i.key, c.key_pem());
    return i;
  };
  const testing::Issued old_file = save("old-root", old_root), leaf_file = save("leaf", leaf);
  w.profile.add(old_file, "Corp Root (2015)", "C,,");
  testing::TlsServer server({.cert = leaf_file.cert, .key = leaf_file.key});
  const Site s = site_of(server, "git.corp.test");

  const json d = diagnose(s, w.profile);
  CHECK(d.at("firefox_error") == "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE");
  const json* c = conflict_with(d, old_file.sha256());
  REQUIRE(c != nullptr);
  CHECK((*c).at("reason") == "stale_anchor");
  // Without it Firefox knows no issuer at all: removing it alone does not make the page load, and says so.
  CHECK((*c).at("removal").at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  const json* f = finding(d, "stale_anchor");
  REQUIRE(f != nullptr);
  CHECK((*f).at("values").at("why") == "expired");
  CHECK((*f).at("explanation").get<std::string>().find("Firefox then shows SEC_ERROR_UNKNOWN_ISSUER") != std::string::npos);
  CHECK((*f).at("fix").get<std::string>().find("import the CA's current certificate") != std::string::npos);

  // With the renewed root trusted too, Firefox builds its path through it: the expired copy is no culprit then.
  const testing::Issued new_file = save("new-root", new_root);
  w.profile.add(new_file, "Corp Root (renewed)", "C,,");
  const json d2 = diagnose(s, w.profile);
  CHECK(d2.at("firefox_error").is_null());
  CHECK(conflict_with(d2, old_file.sha256()) == nullptr);
}
