#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "profile/hsts.hpp"

using namespace certdoctor;

namespace {

// Recorded from Firefox ESR 153 after https://hsts.test/ sent "max-age=31536000; includeSubDomains"
// (tests/browser/e2e-hsts.mjs makes Firefox write such a file in every run and checks certdoctor against it).
std::string firefox_file() {
  std::ifstream in(std::string(CERTDOCTOR_SOURCE_DIR) + "/tests/data/SiteSecurityServiceState.bin", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

constexpr std::int64_t kNow = 1795000000000;  // 2026-11-18, before the recorded entry expires

HstsEntry entry(std::string host, bool subdomains, int state = 1, std::int64_t expires = kNow + 1000,
                std::string oa = "") {
  return HstsEntry{std::move(host), std::move(oa), expires, state, subdomains};
}

}  // namespace

TEST_CASE("HSTS: the slot file Firefox wrote is read back", "[hsts]") {
  std::string bytes = firefox_file();
  REQUIRE(bytes.size() == 286);
  auto entries = parse_site_security_state(bytes);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].host == "hsts.test");
  CHECK(entries[0].origin_attributes == "partitionKey=%28https%2Chsts.test%29");
  CHECK(entries[0].expires_ms == 1826914473248);
  CHECK(entries[0].state == 1);
  CHECK(entries[0].include_subdomains);

  auto status = hsts_status("www.HSTS.test", entries, kNow);
  REQUIRE(status);
  CHECK(status->source == "profile");
  CHECK(status->domain == "hsts.test");
}

TEST_CASE("HSTS: damaged, truncated and empty slots count for nothing", "[hsts]") {
  std::string bytes = firefox_file();
  for (std::size_t at : {0u, 3u, 10u, 270u}) {
    std::string damaged = bytes;
    damaged[at] ^= 0x20;  // the checksum no longer holds
    CHECK(parse_site_security_state(damaged).empty());
  }
  CHECK(parse_site_security_state(bytes.substr(0, 285)).empty());
  CHECK(parse_site_security_state(std::string(286 * 3, '\0')).empty());
  // Two good slots around a free one.
  auto three = parse_site_security_state(bytes + std::string(286, '\0') + bytes);
  CHECK(three.size() == 2);
}

TEST_CASE("HSTS: the most specific live entry decides", "[hsts]") {
  SECTION("the host itself, with or without subdomains") {
    CHECK(hsts_status("a.example", {entry("a.example", false)}, kNow));
    CHECK_FALSE(hsts_status("b.a.example", {entry("a.example", false)}, kNow));
    CHECK(hsts_status("b.a.example", {entry("a.example", true)}, kNow));
    CHECK_FALSE(hsts_status("ba.example", {entry("a.example", true)}, kNow));  // a suffix, not a parent
  }
  SECTION("expired or knocked out entries do not protect, and a knock-out hides the parent") {
    CHECK_FALSE(hsts_status("a.example", {entry("a.example", true, 1, kNow - 1)}, kNow));
    CHECK_FALSE(hsts_status("a.example", {entry("a.example", true, 2)}, kNow));
    CHECK_FALSE(hsts_status("b.a.example", {entry("b.a.example", false, 2), entry("a.example", true)}, kNow));
    CHECK(hsts_status("b.a.example", {entry("b.a.example", false, 1, kNow - 1), entry("a.example", true)}, kNow));
  }
  SECTION("only the ordinary browsing context counts") {
    CHECK(hsts_status("a.example", {entry("a.example", false, 1, kNow + 1, "partitionKey=%28https%2Ca.example%29")}, kNow));
    CHECK_FALSE(hsts_status("a.example", {entry("a.example", false, 1, kNow + 1, "userContextId=2")}, kNow));
    // Set by a frame inside another site: that partition is not a top-level visit.
    CHECK_FALSE(hsts_status("a.example", {entry("a.example", false, 1, kNow + 1, "partitionKey=%28https%2Cother.example%29")}, kNow));
  }
  SECTION("whole top-level domains on the preload list") {
    auto s = hsts_status("idrac.lab.dev", {}, kNow);
    REQUIRE(s);
    CHECK(s->source == "preload");
    CHECK(s->domain == "dev");
    CHECK_FALSE(hsts_status("idrac.lab.example", {}, kNow));
    CHECK_FALSE(hsts_status("dev", {}, kNow));
    CHECK_FALSE(hsts_status("idrac.lab.dev", {entry("lab.dev", false, 2)}, kNow));  // the site knocked itself out
  }
}
