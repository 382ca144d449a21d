// A site on a loopback server diagnosed by the real CLI against a profile, and the parts of its JSON the profile
// tests read (conflicts by SHA-256, findings by code). Shared by the culprit and trust-format tests.
#pragma once
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process.hpp"
#include "profile.hpp"
#include "servers.hpp"

namespace testing {

inline RunResult cli(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), bin("certdoctor").string());
  return run(args, "", env);
}

struct Site {
  std::string url, resolve;  // https://HOST:PORT/ and the --resolve that reaches it on 127.0.0.1
};

inline Site site_of(const TlsServer& server, const std::string& host) {
  const std::string port = std::to_string(server.port());
  return {"https://" + host + ":" + port + "/", host + ":" + port + ":127.0.0.1"};
}

inline nlohmann::json diagnose(const Site& s, const Profile& p, const std::map<std::string, std::string>& env = {}) {
  auto r = cli({"diagnose", s.url, "--resolve", s.resolve, "--profile", p.dir().string(), "--json"}, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

// The conflict naming the stored certificate `sha256`, the finding with `code`: nullptr when there is none.
inline const nlohmann::json* conflict_with(const nlohmann::json& d, const std::string& sha256) {
  for (const auto& c : d.at("conflicts")) {
    if (c.at("sha256") == sha256) return &c;
  }
  return nullptr;
}
inline const nlohmann::json* finding(const nlohmann::json& d, const std::string& code) {
  for (const auto& f : d.at("findings")) {
    if (f.at("code") == code) return &f;
  }
  return nullptr;
}

}  // namespace testing
