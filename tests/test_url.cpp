#include <catch2/catch.hpp>

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
  CHECK_THAT(message("https:///path"), Catch::Contains("no host"));
  CHECK_THAT(message("https://ex ample.test/"), Catch::Contains("ASCII"));
  CHECK_THAT(message("https://bücher.test/"), Catch::Contains("punycode"));
}
