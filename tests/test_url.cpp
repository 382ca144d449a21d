#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "base/request_error.hpp"
#include "fetch/url.hpp"

using certdoctor::parse_target;
using certdoctor::RequestError;

TEST_CASE("URLs: host, port and the kind of host come out as Firefox would reach them", "[url]") {
  auto t = parse_target("https://iDRAC-R740.Example.Test:8443/login?x=1#top");
  CHECK(t.host == "idrac-r740.example.test");
  CHECK(t.port == 8443);
  CHECK_FALSE(t.host_is_ip);
  CHECK(t.authority() == "idrac-r740.example.test:8443");

  auto d = parse_target("https://example.test/");
  CHECK(d.port == 443);

  auto v4 = parse_target("https://192.0.2.7/");
  CHECK(v4.host_is_ip);
  CHECK_FALSE(v4.host_is_ipv6);

  auto v6 = parse_target("https://[2001:DB8::1]:4443/x");
  CHECK(v6.host == "2001:db8::1");
  CHECK(v6.host_is_ipv6);
  CHECK(v6.port == 4443);
  CHECK(v6.authority() == "[2001:db8::1]:4443");

  auto bare = parse_target("switch.test:4443");
  CHECK(bare.host == "switch.test");
  CHECK(bare.port == 4443);

  auto creds = parse_target("https://admin:secret@router.test/");
  CHECK(creds.host == "router.test");
}

TEST_CASE("URLs: what Firefox could not have loaded over TLS is refused with the reason", "[url]") {
  auto message = [](const char* url) {
    try {
      parse_target(url);
    } catch (const RequestError& e) {
      CHECK(e.code() == "invalid_url");
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(message("http://example.test/"), Catch::Contains("only https"));
  CHECK_THAT(message("https://example.test:0/"), Catch::Contains("port"));
  CHECK_THAT(message("https://example.test:70000/"), Catch::Contains("port"));
  CHECK_THAT(message("https://example.test:/"), Catch::Contains("empty port"));
  CHECK_THAT(message("https://[::1/"), Catch::Contains("unterminated"));
  CHECK_THAT(message("https://[nonsense]/"), Catch::Contains("IPv6"));
  CHECK_THAT(message("https://"), Catch::Contains("no host"));
  CHECK_THAT(message("https://user@/"), Catch::Contains("no host"));
  CHECK_THAT(message("https://-remote/"), Catch::Contains("'-'"));  // never an option to a program it is passed to
  CHECK_THAT(message("https://ex ample.test/"), Catch::Contains("ASCII"));
  CHECK_THAT(message("https://bücher.test/"), Catch::Contains("punycode"));
}

// Firefox's own answers, measured in Firefox ESR by tests/browser/record-url-parsing.mjs: for every tricky URL,
// certdoctor either refuses it or reaches exactly the host and port Firefox opens. Never another host.
TEST_CASE("URLs: the host and port are the ones Firefox itself opens, or the URL is refused", "[url][firefox]") {
  const auto path = std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/firefox/url-parsing.json";
  std::ifstream in(path);
  REQUIRE(in);
  const auto recorded = nlohmann::json::parse(in);
  REQUIRE_THAT(recorded.at("firefox").get<std::string>(), Catch::Contains("153.8"));
  const auto& urls = recorded.at("urls");
  REQUIRE(urls.size() >= 30);
  auto same_host = [](const std::string& ours, const std::string& firefox) {
    in6_addr a{}, b{};
    if (inet_pton(AF_INET6, ours.c_str(), &a) == 1 && inet_pton(AF_INET6, firefox.c_str(), &b) == 1) {
      return std::memcmp(&a, &b, sizeof a) == 0;
    }
    return ours == firefox;
  };
  int agreed = 0, refused = 0;
  for (const auto& u : urls) {
    const std::string input = u.at("input").get<std::string>();
    INFO("URL " << input);
    std::optional<certdoctor::Target> t;
    try {
      t = parse_target(input);
    } catch (const RequestError& e) {
      CHECK(e.code() == "invalid_url");
    }
    if (u.contains("error")) {
      CHECK_FALSE(t.has_value());  // Firefox opens nothing: neither does certdoctor
      continue;
    }
    if (!t) {
      ++refused;
      continue;
    }
    CHECK(same_host(t->host, u.at("host").get<std::string>()));
    CHECK(t->port == u.at("port").get<int>());
    ++agreed;
  }
  // The reproduction of the review: Firefox opens evil.example, and so does certdoctor (not 127.0.0.1).
  CHECK(parse_target("https://evil.example\\@127.0.0.1/").host == "evil.example");
  CHECK(agreed >= 30);
  CHECK(refused <= 5);
}
