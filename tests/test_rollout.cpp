#include <catch2/catch.hpp>

#include <fstream>

#include "base/build_info.hpp"
#include "process.hpp"
#include "rollout/rollout.hpp"

using namespace certdoctor;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

const json* find_check(const json& report, const std::string& name) {
  for (const auto& c : report.at("checks")) {
    if (c.at("check") == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("Rollout: policies force-install the extension and carry its managed options", "[rollout]") {
  const std::string id(build::extension_id);
  json p = firefox_policies("file:///usr/share/certdoctor/certdoctor.xpi",
                            {.report_only = true, .helpdesk_url = std::string("https://help.example/certs")}).at("policies");
  CHECK(p.at("ExtensionSettings")[id].at("installation_mode") == "force_installed");
  CHECK(p.at("ExtensionSettings")[id].at("install_url") == "file:///usr/share/certdoctor/certdoctor.xpi");
  CHECK(p.at("3rdparty").at("Extensions")[id] == json({{"report_only", true}, {"helpdesk_url", "https://help.example/certs"}}));
  // Without options there is no 3rdparty section at all.
  CHECK_FALSE(firefox_policies("https://pki.example/certdoctor.xpi", {}).at("policies").contains("3rdparty"));
  CHECK_THROWS_AS(firefox_policies("ftp://x/certdoctor.xpi", {}), std::invalid_argument);
  CHECK_THROWS_AS(firefox_policies("https://x/c.xpi", {.helpdesk_url = std::string("javascript:alert(1)")}), std::invalid_argument);
}

TEST_CASE("Rollout: Windows registry files escape values and name the right keys", "[rollout]") {
  std::string reg = windows_host_reg("C:\\Program Files\\certdoctor\\certdoctor.json", Scope::system);
  CHECK(reg.rfind("Windows Registry Editor Version 5.00\r\n", 0) == 0);
  CHECK(reg.find("[HKEY_LOCAL_MACHINE\\Software\\Mozilla\\NativeMessagingHosts\\certdoctor]") != std::string::npos);
  CHECK(reg.find("@=\"C:\\\\Program Files\\\\certdoctor\\\\certdoctor.json\"") != std::string::npos);
  CHECK(windows_host_reg("C:\\x.json", Scope::user).find("[HKEY_CURRENT_USER\\") != std::string::npos);

  std::string policy = windows_policy_reg("https://pki.example/c.xpi", {.auto_diagnose = true,
                                                                        .helpdesk_url = std::string("https://h.example/\"q\"")});
  CHECK(policy.find("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox]") != std::string::npos);
  CHECK(policy.find("\"ExtensionSettings\"=\"{\\\"" + std::string(build::extension_id)) != std::string::npos);
  CHECK(policy.find("\"auto_diagnose\"=dword:00000001") != std::string::npos);
  CHECK(policy.find("\"helpdesk_url\"=\"https://h.example/\\\"q\\\"\"") != std::string::npos);
}

TEST_CASE("Rollout: doctor finds the manifest Firefox reads, the host, and the extension", "[rollout]") {
  testing::TempDir t;
  const fs::path home = t / "home", root = t / "root";
  fs::create_directories(home);
  const std::string id(build::extension_id);

  SECTION("nothing installed: both missing, said so") {
    json r = doctor({Platform::linux, home, root});
    CHECK_FALSE(r.at("ok").get<bool>());
    REQUIRE(find_check(r, "host manifest"));
    CHECK((*find_check(r, "host manifest")).at("detail").get<std::string>().find("none found") != std::string::npos);
    REQUIRE(find_check(r, "extension"));
  }
  SECTION("a user manifest shadows the system one; a host that is gone is reported") {
    write(home / ".mozilla/native-messaging-hosts/certdoctor.json", host_manifest((t / "gone/certdoctor-host").string()).dump());
    write(root / "usr/lib/mozilla/native-messaging-hosts/certdoctor.json", host_manifest("/usr/lib/certdoctor/certdoctor-host").dump());
    json r = doctor({Platform::linux, home, root});
    CHECK((*find_check(r, "host manifest")).at("ok") == true);
    CHECK((*find_check(r, "host program")).at("ok") == false);
    CHECK((*find_check(r, "other host manifest")).at("detail").get<std::string>().find("is not used") != std::string::npos);
  }
  SECTION("a manifest for another extension, and broken JSON, are failures") {
    json m = host_manifest("/bin/sh");
    m["allowed_extensions"] = {"someone@else"};
    write(home / "Library/Application Support/Mozilla/NativeMessagingHosts/certdoctor.json", m.dump());
    CHECK((*find_check(doctor({Platform::macos, home, root}), "host manifest")).at("ok") == false);
    write(home / ".mozilla/native-messaging-hosts/certdoctor.json", "{not json");
    CHECK((*find_check(doctor({Platform::linux, home, root}), "host manifest")).at("detail").get<std::string>().find("not valid JSON") !=
          std::string::npos);
  }
  SECTION("the extension by policy or in a profile") {
    write(home / ".mozilla/native-messaging-hosts/certdoctor.json", host_manifest("/bin/sh").dump());
    write(root / "usr/lib/firefox-esr/distribution/policies.json",
          firefox_policies("file:///usr/share/certdoctor/certdoctor.xpi", {}).dump());
    json r = doctor({Platform::linux, home, root});
    CHECK(r.at("ok") == true);
    CHECK((*find_check(r, "policy")).at("detail").get<std::string>().find("force_installed") != std::string::npos);

    fs::remove(root / "usr/lib/firefox-esr/distribution/policies.json");
    write(home / ".mozilla/firefox/profiles.ini", "[Profile0]\nName=default\nIsRelative=1\nPath=abc.default\nDefault=1\n");
    write(home / ".mozilla/firefox/abc.default/extensions.json",
          json({{"addons", {{{"id", id}, {"active", false}}}}}).dump());
    r = doctor({Platform::linux, home, root});
    CHECK(r.at("ok") == false);
    CHECK((*find_check(r, "extension in profile")).at("detail").get<std::string>().find("disabled") != std::string::npos);
    write(home / ".mozilla/firefox/abc.default/extensions.json", json({{"addons", {{{"id", id}, {"active", true}}}}}).dump());
    CHECK(doctor({Platform::linux, home, root}).at("ok") == true);
  }
}

TEST_CASE("Rollout: the removal list and its report URL go into the managed options and the report is never sent in clear",
          "[rollout][policy]") {
  const json list = json::array({{{"sha256", std::string(64, 'a')}, {"reason", "stale"}}});
  ManagedOptions o;
  o.remove_certificates = list;
  o.removal_report_url = "https://pki.example/certdoctor";
  const json managed = firefox_policies("file:///x.xpi", o).at("policies").at("3rdparty").at("Extensions")
                           .at(std::string(build::extension_id));
  CHECK(managed.at("remove_certificates") == list);
  CHECK(managed.at("removal_report_url") == "https://pki.example/certdoctor");
  for (const char* local : {"http://127.0.0.1:8080/r", "http://localhost/r", "http://[::1]:9/r", "http://127.0.0.1"}) {
    INFO(local);
    o.removal_report_url = local;
    CHECK_NOTHROW(firefox_policies("file:///x.xpi", o));
  }
  for (const char* remote : {"http://pki.example/r", "http://localhost@pki.example/r", "http://127.0.0.1.pki.example/",
                             "http://localhost:80@pki.example/", "ftp://localhost/", "javascript:alert(1)"}) {
    INFO(remote);
    o.removal_report_url = remote;
    CHECK_THROWS_AS(firefox_policies("file:///x.xpi", o), std::invalid_argument);
  }
  o.removal_report_url.reset();
  CHECK_THROWS_AS(windows_policy_reg("file:///x.xpi", o), std::invalid_argument);  // the list: policies.json only
}
