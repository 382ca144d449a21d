// The certdoctor command line, run as a user runs it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"

using json = nlohmann::json;

namespace {

testing::RunResult certdoctor(std::vector<std::string> args, const std::filesystem::path& home) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args, "", {{"HOME", home.string()}, {"XDG_CONFIG_HOME", (home / ".config").string()}});
}

}  // namespace

TEST_CASE("CLI: --json prints exactly one JSON object with the chain, logs elsewhere", "[cli]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto root = pki.root("root", {.subject = "/CN=Corp Root"});
  auto leaf = pki.issue("leaf", root, {.subject = "/CN=intranet.test", .serial = "1000"});
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key});
  const std::string port = std::to_string(server.port());
  auto r = certdoctor({"diagnose", "https://intranet.test:" + port + "/", "--resolve",
                       "intranet.test:" + port + ":127.0.0.1", "--reported-error", "SEC_ERROR_UNKNOWN_ISSUER",
                       "--json"},
                      dir.path());
  CHECK(r.exit_code == 0);
  json d = json::parse(r.out);  // throws if anything but one JSON document is on stdout
  CHECK(d.is_object());
  CHECK(d.at("url") == "https://intranet.test:" + port + "/");
  CHECK(d.at("reported_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  REQUIRE(d.at("chain").size() == 1);
  const json& c = d.at("chain").at(0);
  CHECK(c.at("sha256") == leaf.sha256());
  CHECK(c.at("serial") == "1000");
  CHECK(c.at("subject") == "CN=intranet.test");
  CHECK(c.at("issuer") == "CN=Corp Root");
  // Nothing trusts "Corp Root" here, as Firefox reported: the prediction explains the reported code.
  CHECK(d.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  CHECK_FALSE(d.contains("path"));
  // In the order told, the first leading (the extension shows it as the answer): no profile under this HOME, said
  // as a finding, not an error (the stored certificates were not checked); the issuer the server did not send, the
  // cause; then the error it explains.
  REQUIRE(d.at("findings").size() == 3);
  CHECK(d.at("findings").at(0).at("code") == "profile_not_found");
  CHECK(d.at("findings").at(0).at("severity") == "warning");
  // The server sent only its own certificate: the issuer, named, is missing (an intermediate to send, or a root
  // to import).
  CHECK(d.at("findings").at(1).at("code") == "issuer_not_sent");
  CHECK(d.at("findings").at(1).at("values").at("issuer") == "CN=Corp Root");
  CHECK(d.at("findings").at(2).at("code") == "SEC_ERROR_UNKNOWN_ISSUER");
  CHECK(d.at("findings").at(2).at("cert") == 0);
}

TEST_CASE("CLI: the readable form shows the certificate and the findings", "[cli]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto dev = pki.device("dev", {.subject = "/O=Dell Inc./CN=idrac-r740.test", .serial = "01"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  auto r = certdoctor({"diagnose", server.url()}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("CN=idrac-r740.test,O=Dell Inc."));
  CHECK_THAT(r.out, Catch::Contains(dev.sha256()));
  CHECK_THAT(r.out, Catch::Contains("serial            01"));
  CHECK_THAT(r.out, Catch::Contains("Firefox will show: MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT"));
  CHECK_THAT(r.out, Catch::Contains("No Firefox profile was found"));
}

TEST_CASE("CLI: an unreachable site is still a diagnosis (exit 0) with a fix to try", "[cli]") {
  testing::TempDir dir;
  const std::string url = "https://127.0.0.1:" + std::to_string(testing::free_port()) + "/";
  auto r = certdoctor({"diagnose", url, "--json"}, dir.path());
  CHECK(r.exit_code == 0);
  json d = json::parse(r.out);
  CHECK(d.at("chain").empty());
  CHECK_FALSE(d.contains("firefox_error"));  // nothing to judge: not "no error"
  REQUIRE_FALSE(d.at("findings").empty());
  CHECK(d.at("findings").at(0).at("code") == "connection_refused");
  CHECK_THAT(d.at("findings").at(0).at("title").get<std::string>(), Catch::Contains("refused"));
}

TEST_CASE("CLI: a DHE-only device reported as SSL_ERROR_NO_CYPHER_OVERLAP: certdoctor predicts the same", "[cli]") {
  // The issue's case: the permissive fetch negotiates a DHE suite, yet Firefox offers none; the diagnosis must
  // predict Firefox's error (no "a proxy may be in between"), say what the server accepts and what Firefox offered.
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto dev = pki.device("dhe", {.subject = "/CN=dhe.test"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key, .extra_args = {"-tls1_2", "-cipher", "kDHE:@SECLEVEL=0"}});
  testing::Profile profile(dir / "profile");
  auto r = certdoctor({"diagnose", server.url(), "--profile", profile.dir().string(), "--reported-error",
                       "SSL_ERROR_NO_CYPHER_OVERLAP", "--json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json d = json::parse(r.out);
  CHECK(d.at("firefox_error") == "SSL_ERROR_NO_CYPHER_OVERLAP");
  CHECK(d.at("chain").size() == 1);
  CHECK(d.at("connection").at("cipher").get<std::string>().rfind("DHE-RSA-", 0) == 0);
  bool overlap = false;
  for (const auto& f : d.at("findings")) {
    CHECK(f.at("code") != "prediction_differs");
    if (f.at("code") != "SSL_ERROR_NO_CYPHER_OVERLAP") continue;
    overlap = true;
    CHECK(f.at("values").at("accepted_cipher").get<std::string>().find("DHE-RSA-") != std::string::npos);
    CHECK(f.at("explanation").get<std::string>().find(" with DHE-RSA-") != std::string::npos);  // worded at the edge
    CHECK(f.at("explanation").get<std::string>().find("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") != std::string::npos);
  }
  CHECK(overlap);
}

TEST_CASE("CLI: bad arguments get a one-line reason and a non-zero exit", "[cli]") {
  testing::TempDir dir;
  auto bad_url = certdoctor({"diagnose", "http://plain.test/"}, dir.path());
  CHECK(bad_url.exit_code == 2);
  CHECK(bad_url.out.empty());
  CHECK_THAT(bad_url.err, Catch::Contains("only https"));
  CHECK(std::count(bad_url.err.begin(), bad_url.err.end(), '\n') == 1);

  auto bad_resolve = certdoctor({"diagnose", "https://a.test/", "--resolve", "a.test:443:not-an-ip"}, dir.path());
  CHECK(bad_resolve.exit_code == 2);
  CHECK_THAT(bad_resolve.err, Catch::Contains("numeric"));

  auto bad_error = certdoctor({"diagnose", "https://a.test/", "--reported-error", "$(reboot)"}, dir.path());
  CHECK(bad_error.exit_code == 2);

  auto nothing = certdoctor({}, dir.path());
  CHECK(nothing.exit_code == 2);

  auto help = certdoctor({"diagnose", "--help"}, dir.path());
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--resolve"));

  auto version = certdoctor({"--version"}, dir.path());
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains("certdoctor 0."));
}

TEST_CASE("CLI: an unknown issuer is called missing only when neither the server nor the profile has it", "[cli]") {
  testing::Workspace w;
  auto root = w.pki.root("root", {.subject = "/CN=Untrusted Root"});
  auto inter = w.pki.issue("inter", root, {.subject = "/CN=Stored Intermediate"}, true);
  auto leaf = w.pki.issue("leaf", inter, {.subject = "/CN=intranet.test"});
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key});
  const std::string port = std::to_string(server.port());
  auto codes = [&] {
    auto r = certdoctor({"diagnose", "https://intranet.test:" + port + "/", "--resolve",
                         "intranet.test:" + port + ":127.0.0.1", "--profile", w.profile.dir().string(), "--json"},
                        w.dir.path());
    json d = json::parse(r.out);
    CHECK(d.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
    std::vector<std::string> out;
    for (const auto& f : d.at("findings")) out.push_back(f.at("code"));
    return out;
  };
  auto before = codes();
  CHECK(std::find(before.begin(), before.end(), "issuer_not_sent") != before.end());
  // The profile stores the intermediate (its root is still unknown): the intermediate is not what is missing.
  w.profile.add(inter, "Stored Intermediate", ",,");
  auto after = codes();
  CHECK(std::find(after.begin(), after.end(), "issuer_not_sent") == after.end());
}

TEST_CASE("CLI: the conditions a diagnosis names come with every value their texts need", "[cli][findings]") {
  // Each finding is rendered by the real code path; a build with its tests refuses to render one that lacks a
  // value, so an unfilled placeholder would end this diagnosis with an internal error instead of exit 0.
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto old_cert = pki.device("old", {.subject = "/CN=bmc.dev", .serial = "01"});
  auto new_cert = pki.device("new", {.subject = "/CN=bmc.dev", .serial = "01"});
  testing::Profile profile(dir / "profile");
  profile.add(old_cert, "bmc.dev", ",,");
  testing::TlsServer server({.cert = new_cert.cert, .key = new_cert.key});
  const std::string port = std::to_string(server.port());
  // An exception for another certificate, recorded as Firefox writes them.
  testing::write_file(profile.dir() / "cert_override.txt",
                      "# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n"
                      "bmc.dev:" + port + ":\tOID.2.16.840.1.101.3.4.2.1\t" + std::string(95, 'A') + "\t\n");
  auto args = std::vector<std::string>{"diagnose", "https://bmc.dev:" + port + "/", "--resolve",
                                       "bmc.dev:" + port + ":127.0.0.1", "--profile", profile.dir().string(),
                                       "--reported-error", "SSL_ERROR_NO_CYPHER_OVERLAP", "--json"};
  args.insert(args.begin(), testing::bin("certdoctor").string());
  auto r = testing::run(args, "", {{"HOME", dir.path().string()}, {"CERTDOCTOR_BUILTIN_ROOTS", (dir / "none.so").string()}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json d = json::parse(r.out);
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");  // the stale copy, as in own:*-device-twin
  std::vector<std::string> codes;
  for (const auto& f : d.at("findings")) codes.push_back(f.at("code"));
  for (const char* expected : {"stale_copy", "stale_exception", "hsts_preloaded", "builtin_roots_unavailable",
                               "SSL_ERROR_NO_CYPHER_OVERLAP", "prediction_differs"}) {
    INFO(expected);
    CHECK(std::find(codes.begin(), codes.end(), expected) != codes.end());
  }
  // A profile folder that does not exist, and a site that refuses the connection.
  auto gone = certdoctor({"diagnose", "https://127.0.0.1:" + std::to_string(testing::free_port()) + "/", "--profile",
                          (dir / "no-such-profile").string(), "--json"},
                         dir.path());
  INFO(gone.err);
  REQUIRE(gone.exit_code == 0);
  json g = json::parse(gone.out);
  std::vector<std::string> gone_codes;
  for (const auto& f : g.at("findings")) gone_codes.push_back(f.at("code"));
  CHECK(std::find(gone_codes.begin(), gone_codes.end(), "profile_unusable") != gone_codes.end());
  CHECK(std::find(gone_codes.begin(), gone_codes.end(), "connection_refused") != gone_codes.end());
}
