// Never inject: what a certificate or a path contains reaches a terminal only as visible text, and reaches a
// shell only as one quoted word. The fix commands certdoctor prints are pasted into a real shell here, with a
// harmless stand-in for the program, and must pass exactly the intended arguments.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "forge.hpp"
#include "process.hpp"
#include "servers.hpp"

using json = nlohmann::json;
using namespace testing::forge;

namespace {
testing::RunResult certdoctor(std::vector<std::string> args) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args);
}
}  // namespace

TEST_CASE("Injection: a pasted fix command runs exactly as shown, whatever the profile path holds", "[injection]") {
  testing::TempDir dir;
  // A profile folder whose name is a small shell program, and a stale copy in it.
  const std::string evil = "it's $(touch PWNED) `id` ; rm -rf x | & \"q\" *";
  const auto profile = dir / evil;
  std::filesystem::create_directories(profile);
  testing::run_ok({"certutil", "-N", "-d", "sql:" + profile.string(), "--empty-password"});
  Key key = make_key("ec:P-256");
  Cert old_copy = make({.cn = "dev.test", .ext = {"subjectAltName=DNS:dev.test"}, .serial = "01", .reuse_key = &key}, nullptr);
  Cert served = make({.cn = "dev.test", .ext = {"subjectAltName=DNS:dev.test"}, .serial = "01"}, nullptr);
  testing::write_file(dir / "old.pem", old_copy.pem());
  testing::run_ok({"certutil", "-A", "-d", "sql:" + profile.string(), "-n", "old", "-t", ",,", "-i", (dir / "old.pem").string()});
  testing::write_file(dir / "new.pem", served.pem());
  testing::write_file(dir / "new.key", served.key_pem());
  testing::TlsServer server({.cert = dir / "new.pem", .key = dir / "new.key"});
  const std::string port = std::to_string(server.port());
  auto r = certdoctor({"diagnose", "https://dev.test:" + port + "/", "--resolve", "dev.test:" + port + ":127.0.0.1",
                       "--profile", profile.string(), "--json"});
  REQUIRE(r.exit_code == 0);
  json d = json::parse(r.out);
  REQUIRE_FALSE(d.at("findings").empty());
  std::string fix = d.at("findings").at(0).at("fix");
  auto at = fix.find("certdoctor remove");
  REQUIRE(at != std::string::npos);
  std::string command = fix.substr(at, fix.find('\n', at) - at);
  // The stand-in prints its arguments one per line; the shell runs in `dir`, where PWNED would appear.
  testing::write_file(dir / "certdoctor", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
  testing::run_ok({"chmod", "+x", (dir / "certdoctor").string()});
  auto ran = testing::run({"sh", "-c", "cd \"$1\" && PATH=\"$1:$PATH\" && " + command, "sh", dir.path().string()});
  CHECK(ran.exit_code == 0);
  CHECK(ran.out == "remove\n--profile\n" + profile.string() + "\n--sha256\n" + d.at("conflicts").at(0).at("sha256").get<std::string>() + "\n");
  CHECK_FALSE(std::filesystem::exists(dir / "PWNED"));
}

TEST_CASE("Injection: terminal escapes and markup in certificate fields are printed as visible text", "[injection]") {
  testing::TempDir dir;
  Cert evil = make({.cn = "evil\x1b]0;owned\x07\x1b[2J<script>alert(1)</script>",
                    .ext = {"subjectAltName=DNS:evil.test"}}, nullptr);
  testing::write_file(dir / "c.pem", evil.pem());
  testing::write_file(dir / "c.key", evil.key_pem());
  testing::TlsServer server({.cert = dir / "c.pem", .key = dir / "c.key"});
  auto r = certdoctor({"diagnose", server.url()});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find('\x07') == std::string::npos);
  // Names are shown in RFC 4514 form, which escapes control characters and markup characters as text.
  CHECK_THAT(r.out, Catch::Contains("CN=evil\\1B]0\\;owned\\07\\1B[2J\\<script\\>alert(1)"));
}
