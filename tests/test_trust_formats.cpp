// Both trust formats, everywhere (issue 22): each test runs once with the profile's trust written by certutil
// (CKO_NSS_TRUST, a profile an older Firefox wrote) and once through Firefox's own NSS (tests/support/firefox_certdb:
// CKO_TRUST, as Firefox ESR 153.8 writes what its Certificate Manager or the Certificates.Install policy is given).
// Real profiles, real servers, the real CLI and host. What Firefox itself answers for the same profiles is recorded
// by tests/browser/truth.mjs (ids fxnss:...) and checked live by tests/browser/e2e-firefox-written-profile.mjs.
#include <catch2/catch.hpp>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/build_info.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"
#include "site_check.hpp"
#include "writer.hpp"

using json = nlohmann::json;
namespace fs = std::filesystem;
using testing::Writer;

namespace {

const char* kFirefoxDir = "/usr/lib/firefox-esr";  // Debian's Firefox ESR: its NSS 3.125 (firefox-facts.md)
const std::string kTrustClass = "0000000B", kNssTrustClass = "CE534353";

using testing::cli;
using testing::conflict_with;
using testing::diagnose;
using testing::Site;
using testing::site_of;
bool has_finding(const json& d, const std::string& code) { return testing::finding(d, code) != nullptr; }

// The trust objects stored, by format (from the database's rows, not through any NSS).
int stored(const testing::Profile& p, const std::string& cls) {
  const auto by_class = testing::objects_by_class(p);
  auto it = by_class.find(cls);
  return it == by_class.end() ? 0 : it->second;
}
const std::string& class_of(Writer w) { return w == Writer::certutil ? kNssTrustClass : kTrustClass; }

// A private CA and a site it issued, served on loopback.
struct PrivateSite {
  testing::Workspace w;
  testing::Issued root = w.pki.root("root", {.subject = "/CN=Private Root"});
  testing::Issued leaf = w.pki.issue("leaf", root, {.subject = "/CN=intranet.corp.test",
                                                    .extensions = {"subjectAltName=DNS:intranet.corp.test,IP:127.0.0.1",
                                                                   "extendedKeyUsage=serverAuth"}});
  testing::TlsServer server{{.cert = leaf.cert, .key = leaf.key}};
  Site site = site_of(server, "intranet.corp.test");
};

}  // namespace

TEST_CASE("Trust formats: a private root the profile trusts loads the page, and the removal guard sees its trust", "[trust-formats]") {
  const Writer by = GENERATE(Writer::certutil, Writer::firefox_nss);
  INFO("profile written by " << testing::name_of(by));
  PrivateSite s;
  testing::add_by(by, s.w.profile, s.root, "Private Root", "C,,");
  REQUIRE(stored(s.w.profile, class_of(by)) == 1);

  const json d = diagnose(s.site, s.w.profile);
  CHECK(d.at("firefox_error").is_null());  // Firefox loads it (truth: own:rsa-valid and fxnss:own:rsa-valid)
  CHECK(d.at("conflicts").empty());
  const json& nss = d.at("profile").at("nss");
  CHECK(nss.at("library") == "firefox");
  CHECK(nss.at("dir") == kFirefoxDir);
  CHECK(nss.at("applies_pkcs11_trust") == true);
  CHECK_FALSE(nss.contains("sees_pkcs11_trust"));

  // The issue's blind guard: without --allow-trusted the trusted root stays, whichever format holds its trust.
  auto refused = cli({"remove", "--profile", s.w.profile.dir().string(), "--sha256", s.root.sha256(), "--json"});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("trusted root"));
  CHECK(s.w.profile.holds(s.root));
  CHECK(stored(s.w.profile, class_of(by)) == 1);
}

TEST_CASE("Trust formats: a distrusted root gives SEC_ERROR_UNTRUSTED_ISSUER with the stored root named, is removed whole "
          "and undone in its format",
          "[trust-formats]") {
  const Writer by = GENERATE(Writer::certutil, Writer::firefox_nss);
  INFO("profile written by " << testing::name_of(by));
  PrivateSite s;
  testing::add_by(by, s.w.profile, s.root, "Private Root (distrusted)", "p,p,p");
  const auto before = testing::objects_by_class(s.w.profile);

  const json d = diagnose(s.site, s.w.profile);
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNTRUSTED_ISSUER");  // truth: own:*-distrusted-root, fxnss:own:*
  const json* c = conflict_with(d, s.root.sha256());
  REQUIRE(c != nullptr);
  CHECK(c->at("trust") == "p,p,p");  // the trust column, read from either format
  CHECK(c->at("reason") == "distrusted");
  CHECK(c->at("removable") == false);
  CHECK(c->at("removal").at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  CHECK(has_finding(d, "stored_distrust"));

  auto refused = cli({"remove", "--profile", s.w.profile.dir().string(), "--sha256", s.root.sha256()});
  CHECK(refused.exit_code == 1);
  CHECK(testing::objects_by_class(s.w.profile) == before);

  auto removed = cli({"remove", "--profile", s.w.profile.dir().string(), "--sha256", s.root.sha256(), "--allow-trusted",
                      "--url", s.site.url, "--resolve", s.site.resolve, "--json"});
  INFO(removed.err);
  REQUIRE(removed.exit_code == 0);
  CHECK(json::parse(removed.out).at("after").at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  CHECK_FALSE(s.w.profile.holds(s.root));
  CHECK(stored(s.w.profile, kTrustClass) == 0);     // no orphan of either format
  CHECK(stored(s.w.profile, kNssTrustClass) == 0);

  REQUIRE(cli({"undo", "--profile", s.w.profile.dir().string()}).exit_code == 0);
  CHECK(testing::objects_by_class(s.w.profile) == before);  // the same objects, in the same format
  CHECK(diagnose(s.site, s.w.profile).at("firefox_error") == "SEC_ERROR_UNTRUSTED_ISSUER");
}

TEST_CASE("Trust formats: a distrusted intermediate is the stored culprit, and its removal makes the page load",
          "[trust-formats][culprits]") {
  const Writer by = GENERATE(Writer::certutil, Writer::firefox_nss);
  INFO("profile written by " << testing::name_of(by));
  testing::Workspace w;
  auto root = w.pki.root("root", {.subject = "/CN=Corp Root"});
  auto inter = w.pki.issue("inter", root, {.subject = "/CN=Corp Issuing CA"}, true);
  auto leaf = w.pki.issue("leaf", inter, {.subject = "/CN=wiki.corp.test",
                                          .extensions = {"subjectAltName=DNS:wiki.corp.test", "extendedKeyUsage=serverAuth"}});
  testing::add_by(by, w.profile, root, "Corp Root", "C,,");
  testing::add_by(by, w.profile, inter, "Corp Issuing CA (distrusted)", "p,p,p");
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key, .chain = inter.cert});
  const Site s = site_of(server, "wiki.corp.test");

  const json d = diagnose(s, w.profile);
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNTRUSTED_ISSUER");  // truth: own:*-distrusted-intermediate, fxnss:...
  REQUIRE(d.at("conflicts").size() == 1);
  const json& c = d.at("conflicts").at(0);
  CHECK(c.at("sha256") == inter.sha256());
  CHECK(c.at("trust") == "p,p,p");
  CHECK(c.at("removal").at("firefox_error").is_null());
  auto removed = cli({"remove", "--profile", w.profile.dir().string(), "--sha256", inter.sha256(), "--allow-trusted",
                      "--url", s.url, "--resolve", s.resolve, "--json"});
  REQUIRE(removed.exit_code == 0);
  CHECK(json::parse(removed.out).at("after").at("firefox_error").is_null());
  CHECK(stored(w.profile, class_of(by)) == 1);  // the root's trust only
}

TEST_CASE("Trust formats: the reused-serial culprit, a stale stored copy, is named and removed without --allow-trusted",
          "[trust-formats][culprits]") {
  const Writer by = GENERATE(Writer::certutil, Writer::firefox_nss);
  INFO("profile written by " << testing::name_of(by));
  testing::Workspace w;
  auto root = w.pki.root("root", {.subject = "/CN=Device CA"});
  // The site's certificate re-made with its old serial (a device CA counting from one again): same issuer and serial.
  const testing::CertSpec same = {.subject = "/CN=bmc.corp.test", .serial = "1001",
                                  .extensions = {"subjectAltName=DNS:bmc.corp.test", "extendedKeyUsage=serverAuth"}};
  auto old_cert = w.pki.issue("old", root, same);
  auto new_cert = w.pki.issue("new", root, same);
  testing::add_by(by, w.profile, root, "Device CA", "C,,");
  testing::add_by(by, w.profile, old_cert, "bmc (old)", ",,");
  testing::TlsServer server({.cert = new_cert.cert, .key = new_cert.key});
  const Site s = site_of(server, "bmc.corp.test");

  const json d = diagnose(s, w.profile);
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");  // truth: own:*-stale-copy, fxnss:...
  const json* c = conflict_with(d, old_cert.sha256());
  REQUIRE(c != nullptr);
  CHECK(c->at("removable") == true);
  CHECK(c->at("removal").at("firefox_error").is_null());
  auto removed = cli({"remove", "--profile", w.profile.dir().string(), "--sha256", old_cert.sha256(), "--url", s.url,
                      "--resolve", s.resolve, "--json"});
  INFO(removed.err);
  REQUIRE(removed.exit_code == 0);
  CHECK(json::parse(removed.out).at("after").at("firefox_error").is_null());
  CHECK(stored(w.profile, class_of(by)) == 1);  // the root's trust is untouched, no orphan of the copy's
}

TEST_CASE("Trust formats: a profile holding both formats for one root is judged as Firefox's NSS applies it (CKO_TRUST)",
          "[trust-formats]") {
  // Firefox's NSS 3.125 applies the CKO_TRUST object, whichever was written last (firefox-certdb list, both orders).
  const bool firefox_last = GENERATE(true, false);
  INFO((firefox_last ? "an older Firefox distrusted it, today's trusts it" : "today's Firefox trusts it, certutil then distrusts it"));
  PrivateSite s;
  if (firefox_last) {
    testing::add_by(Writer::certutil, s.w.profile, s.root, "Private Root", "p,p,p");
    testing::add_by(Writer::firefox_nss, s.w.profile, s.root, "Private Root", "C,,");
  } else {
    testing::add_by(Writer::firefox_nss, s.w.profile, s.root, "Private Root", "C,,");
    testing::add_by(Writer::certutil, s.w.profile, s.root, "Private Root", "p,p,p");
  }
  REQUIRE(s.w.profile.firefox_trust_of("Private Root") == "C,,");
  REQUIRE(stored(s.w.profile, kTrustClass) == 1);
  REQUIRE(stored(s.w.profile, kNssTrustClass) == 1);
  CHECK(diagnose(s.site, s.w.profile).at("firefox_error").is_null());

  auto removed = cli({"remove", "--profile", s.w.profile.dir().string(), "--sha256", s.root.sha256(), "--allow-trusted", "--json"});
  REQUIRE(removed.exit_code == 0);
  CHECK(json::parse(removed.out).at("removed").at("trust") == "C,,");
  CHECK(stored(s.w.profile, kTrustClass) == 0);
  CHECK(stored(s.w.profile, kNssTrustClass) == 0);
  REQUIRE(cli({"undo", "--profile", s.w.profile.dir().string()}).exit_code == 0);
  CHECK(stored(s.w.profile, kTrustClass) == 1);
  CHECK(stored(s.w.profile, kNssTrustClass) == 1);
  CHECK(s.w.profile.firefox_trust_of("Private Root") == "C,,");
}

TEST_CASE("Trust formats: audit --profile judges with the trust of either format", "[trust-formats][audit]") {
  const Writer by = GENERATE(Writer::certutil, Writer::firefox_nss);
  INFO("profile written by " << testing::name_of(by));
  const std::string trust = GENERATE(std::string("C,,"), std::string("p,p,p"));
  INFO("root stored as " << trust);
  PrivateSite s;
  testing::add_by(by, s.w.profile, s.root, "Private Root", trust);
  const fs::path targets = s.w.dir / "targets.txt";
  testing::write_file(targets, "127.0.0.1:" + std::to_string(s.server.port()) + "\n");
  auto r = cli({"audit", targets.string(), "--json", "--profile", s.w.profile.dir().string()});
  INFO(r.err);
  const json j = json::parse(r.out);
  REQUIRE(j.at("endpoints").size() == 1);
  const json& e = j.at("endpoints").at(0);
  if (trust == "C,,") {
    CHECK(e.at("firefox_error").is_null());
    CHECK(r.exit_code == 0);
  } else {
    CHECK(e.at("firefox_error") == "SEC_ERROR_UNTRUSTED_ISSUER");
    CHECK(r.exit_code == 1);
  }
}

TEST_CASE("Trust formats: profiles shows which NSS reads each profile and the trust it holds in each format",
          "[trust-formats][profiles]") {
  testing::TempDir home;
  testing::Pki pki(home.path());
  auto a = pki.root("a", {.subject = "/CN=Imported Today"});
  auto b = pki.root("b", {.subject = "/CN=Distrusted Today"});
  auto c = pki.root("c", {.subject = "/CN=Imported Long Ago"});
  const fs::path root = home / ".mozilla/firefox";
  testing::Profile today(root / "today.default"), older(root / "older.default"), moved(root / "moved.default");
  today.add_as_firefox(a, "a", "C,,");
  today.add_as_firefox(b, "b", "p,p,p");
  older.add(c, "c", "C,,");
  moved.add(c, "c", "C,,");
  // Firefox writes the installation that last used a profile; one names an installation that is gone.
  testing::write_file(today.dir() / "compatibility.ini",
                      "[Compatibility]\nLastVersion=153.8.0_20260101000000/20260101000000\nLastOSABI=Linux_x86_64-gcc3\n"
                      "LastPlatformDir=" + std::string(kFirefoxDir) + "\nLastAppDir=" + kFirefoxDir + "/browser\n");
  testing::write_file(moved.dir() / "compatibility.ini", "[Compatibility]\nLastPlatformDir=/opt/firefox-gone\n");
  testing::write_file(root / "profiles.ini",
                      "[Profile0]\nName=today\nIsRelative=1\nPath=today.default\nDefault=1\n\n"
                      "[Profile1]\nName=older\nIsRelative=1\nPath=older.default\n\n"
                      "[Profile2]\nName=moved\nIsRelative=1\nPath=moved.default\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");

  auto by_name = [](const json& j, const std::string& name) -> const json& {
    for (const auto& p : j.at("profiles")) {
      if (p.at("name") == name) return p;
    }
    FAIL("profile " << name << " not listed");
    throw std::logic_error("unreachable");
  };
  auto r = cli({"profiles", "--home", home.path().string(), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  const json& t = by_name(j, "today");
  CHECK(t.at("nss").at("library") == "firefox");
  CHECK(t.at("nss").at("dir") == kFirefoxDir);
  CHECK(t.at("nss").at("source") == "compatibility.ini");
  CHECK(t.at("trust").at("nss_version") == "3.125");
  CHECK(t.at("trust").at("trusted") == 1);
  CHECK(t.at("trust").at("distrusted") == 1);
  CHECK(t.at("trust").at("objects").at("CKO_TRUST") == 2);
  CHECK(t.at("trust").at("objects").at("CKO_NSS_TRUST") == 0);
  const json& o = by_name(j, "older");
  CHECK(o.at("nss").at("source") == "known location");  // no compatibility.ini: the installed ESR
  CHECK(o.at("nss").at("dir") == kFirefoxDir);
  CHECK(o.at("trust").at("trusted") == 1);
  CHECK(o.at("trust").at("objects").at("CKO_NSS_TRUST") == 1);
  CHECK(by_name(j, "moved").at("nss").at("source") == "known location");  // the named installation is gone

  auto text = cli({"profiles", "--home", home.path().string()});
  CHECK_THAT(text.out, Catch::Contains("read with Firefox's own NSS 3.125 in /usr/lib/firefox-esr (compatibility.ini)"));
  CHECK_THAT(text.out, Catch::Contains("trust: 1 trusted, 1 distrusted of 2 stored certificates; trust objects: CKO_TRUST 2, CKO_NSS_TRUST 0"));

  // The system's NSS, forced: it still reads both formats, and says what it cannot do.
  auto sys = cli({"profiles", "--home", home.path().string(), "--json"}, {{"CERTDOCTOR_NSS", "system"}});
  const json sys_json = json::parse(sys.out);
  const json& ts = by_name(sys_json, "today");
  CHECK(ts.at("nss").at("library") == "system");
  CHECK(ts.at("nss").at("source") == "system");
  CHECK(ts.at("trust").at("trusted") == 1);
  CHECK(ts.at("trust").at("applies_pkcs11_trust") == false);
  auto sys_text = cli({"profiles", "--home", home.path().string()}, {{"CERTDOCTOR_NSS", "system"}});
  CHECK_THAT(sys_text.out, Catch::Contains("does not remove a certificate holding it"));
}

TEST_CASE("Trust formats: with neither the owning NSS nor a reader of CKO_TRUST, remove touches nothing and the diagnosis "
          "says what was not seen",
          "[trust-formats][removal]") {
  // The system's NSS stands in (CERTDOCTOR_NSS=system); its token is made to refuse the search for CKO_TRUST objects,
  // as an NSS that predates them may (Debian's 3.87 finds them: no real one here refuses, hence the fault).
  const std::map<std::string, std::string> blind = {{"CERTDOCTOR_NSS", "system"}, {"CERTDOCTOR_FAULT", "store.pkcs11_trust_refused"}};
  PrivateSite s;
  auto stale = s.w.pki.issue("stale", s.root, {.subject = "/CN=old.corp.test"});
  testing::add_by(Writer::firefox_nss, s.w.profile, s.root, "Private Root", "p,p,p");
  testing::add_by(Writer::certutil, s.w.profile, stale, "old copy", ",,");
  const auto before = testing::objects_by_class(s.w.profile);

  const json d = diagnose(s.site, s.w.profile, blind);
  const json& nss = d.at("profile").at("nss");
  CHECK(nss.at("library") == "system");
  CHECK(nss.at("applies_pkcs11_trust") == false);
  CHECK(nss.at("sees_pkcs11_trust") == false);
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");  // the distrust is unseen: judged as if none were stored
  auto text = cli({"diagnose", s.site.url, "--resolve", s.site.resolve, "--profile", s.w.profile.dir().string()}, blind);
  CHECK_THAT(text.out, Catch::Contains("refused to search for trust stored as CKO_TRUST objects"));

  for (const auto& [cert, why] : {std::pair{s.root, "the distrusted root"}, std::pair{stale, "a copy with no trust at all"}}) {
    INFO(why);
    for (const bool allow : {false, true}) {
      std::vector<std::string> args = {"remove", "--profile", s.w.profile.dir().string(), "--sha256", cert.sha256(), "--json"};
      if (allow) args.push_back("--allow-trusted");
      auto r = cli(args, blind);
      CHECK(r.exit_code == 1);
      CHECK_THAT(r.err, Catch::Contains("cannot read trust stored as CKO_TRUST"));
      CHECK(s.w.profile.holds(cert));
      CHECK(testing::objects_by_class(s.w.profile) == before);
      CHECK_FALSE(fs::exists(s.w.profile.dir() / "certdoctor-backups"));
    }
  }
  // With Firefox's own NSS the same profile is seen whole again.
  CHECK(diagnose(s.site, s.w.profile).at("firefox_error") == "SEC_ERROR_UNTRUSTED_ISSUER");
}

TEST_CASE("Trust formats: the host started by a Firefox reads the profile with that Firefox's NSS", "[trust-formats][host]") {
  // A Firefox installation of our own: a copy of a small program (the parent the host sees in /proc) in a folder
  // that holds Firefox ESR's NSS libraries (links to them), so the parent's folder is not /usr/lib/firefox-esr.
  PrivateSite s;
  testing::add_by(Writer::firefox_nss, s.w.profile, s.root, "Private Root", "C,,");
  const fs::path fx = s.w.dir / "other-firefox";
  fs::create_directories(fx);
  fs::copy_file("/usr/bin/dash", fx / "firefox");
  for (const char* lib : {"libsoftokn3.so", "libnssutil3.so", "libmozsqlite3.so", "libfreeblpriv3.so"}) {
    fs::create_symlink(fs::path(kFirefoxDir) / lib, fx / lib);
  }
  const json request = {{"id", 1}, {"type", "diagnose"}, {"url", s.site.url}, {"resolve", {s.site.resolve}}};
  const std::string payload = request.dump();
  std::string frame(4, '\0');
  const std::uint32_t n = static_cast<std::uint32_t>(payload.size());
  std::memcpy(frame.data(), &n, 4);
  const auto manifest = fs::path(CERTDOCTOR_BIN_DIR).parent_path() / "manifests/certdoctor.json";
  // The shell stays the host's parent (the command is not its last, so it is not exec'd in its place).
  auto r = testing::run({(fx / "firefox").string(), "-c", "\"$0\" \"$@\"; exit $?", testing::bin("certdoctor-host").string(),
                         manifest.string(), std::string(certdoctor::build::extension_id)},
                        frame + payload, {{"HOME", s.w.dir.path().string()}, {"CERTDOCTOR_PROFILE", s.w.profile.dir().string()}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.size() > 4);
  const json reply = json::parse(r.out.substr(4));
  REQUIRE(reply.at("ok") == true);
  const json& nss = reply.at("result").at("profile").at("nss");
  CHECK(nss.at("source") == "parent process");
  CHECK(fs::equivalent(nss.at("dir").get<std::string>(), fx));
  CHECK(nss.at("version") == "3.125");
  CHECK(reply.at("result").at("firefox_error").is_null());  // the CKO_TRUST anchor applied
}
