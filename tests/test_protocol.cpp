#include <catch2/catch.hpp>

#include "base/build_info.hpp"
#include "diagnosis/error_table.hpp"
#include "process.hpp"
#include "protocol/policy_remove.hpp"
#include "protocol/protocol.hpp"
#include "base/hex.hpp"
#include "base/request_error.hpp"

using namespace certdoctor;
using json = nlohmann::json;

namespace {

HostContext allowed() {
  HostContext c;
  c.caller = std::string(build::extension_id);
  c.caller_allowed = true;
  c.home = "/nonexistent-home";
  return c;
}

json ask(const std::string& payload, const HostContext& ctx = allowed()) { return handle_message(payload, ctx); }

std::string code_of(const json& reply) { return reply.at("error").at("code").get<std::string>(); }

}  // namespace

TEST_CASE("Protocol: hello names the host, its version and what it can do", "[protocol]") {
  json r = ask(R"({"id": 1, "type": "hello"})");
  CHECK(r.at("ok") == true);
  CHECK(r.at("id") == 1);
  CHECK(r.at("result").at("name") == "certdoctor");
  CHECK(r.at("result").at("version") == std::string(build::version));
  CHECK(r.at("result").at("protocol") == kProtocolVersion);
  CHECK(r.at("result").at("capabilities") == json{"diagnose", "remove", "undo", "open_separately", "policy_remove"});
}

TEST_CASE("Protocol: every kind of bad request gets its own stable code and keeps the id", "[protocol]") {
  CHECK(code_of(ask("not json")) == "invalid_json");
  CHECK(code_of(ask("{\"id\": 1, \"type\": \"hello\"")) == "invalid_json");
  CHECK(code_of(ask("\"\xff\"")) == "invalid_json");  // invalid UTF-8
  CHECK(code_of(ask("")) == "invalid_json");
  CHECK(code_of(ask("[1,2]")) == "invalid_request");
  CHECK(code_of(ask(R"({"id": [1]})")) == "invalid_field");

  json missing = ask(R"({"id": "a1"})");
  CHECK(code_of(missing) == "invalid_request");
  CHECK(missing.at("id") == "a1");

  json wrong_type = ask(R"({"id": 2, "type": 5})");
  CHECK(code_of(wrong_type) == "invalid_field");
  CHECK(wrong_type.at("id") == 2);

  json unknown = ask(R"({"id": 3, "type": "format_disk"})");
  CHECK(code_of(unknown) == "unknown_type");
  CHECK(unknown.at("id") == 3);
  CHECK(unknown.at("error").at("message").get<std::string>().find("format_disk") != std::string::npos);

  CHECK(code_of(ask(R"({"id": 4, "type": "diagnose"})")) == "invalid_field");               // no url
  CHECK(code_of(ask(R"({"id": 5, "type": "diagnose", "url": 42})")) == "invalid_field");    // url not a string
  CHECK(code_of(ask(R"({"id": 6, "type": "diagnose", "url": "https://a.test/", "resolve": "x"})")) ==
        "invalid_field");
  CHECK(code_of(ask(R"({"id": 7, "type": "diagnose", "url": "https://a.test/", "reported_error": "<b>"})")) ==
        "invalid_field");
  CHECK(code_of(ask(R"({"id": 8, "type": "diagnose", "url": "http://a.test/"})")) == "invalid_url");
  CHECK(code_of(ask(R"({"id": 9, "type": "diagnose", "url": "https://a.test/", "proxy": "socks5://p:1"})")) ==
        "invalid_field");
  CHECK(code_of(ask(R"({"id": 10, "type": "remove", "sha256": "00"})")) == "invalid_field");
  CHECK(code_of(ask(R"({"id": 11, "type": "remove"})")) == "invalid_field");
  CHECK(code_of(ask(R"({"id": 12, "type": "remove", "sha256": "ab", "allow_trusted": "yes"})")) == "invalid_field");
}

TEST_CASE("Protocol: a caller that is not our extension is refused", "[protocol]") {
  HostContext other;
  other.caller = "evil@example.test";
  json r = ask(R"({"id": 1, "type": "hello"})", other);
  CHECK(r.at("ok") == false);
  CHECK(r.at("id") == 1);
  CHECK(code_of(r) == "caller_not_allowed");
}

TEST_CASE("Protocol: frame errors have their own codes", "[protocol]") {
  CHECK(code_of(frame_error_reply(FrameStatus::too_large, 5u << 20)) == "frame_too_large");
  CHECK(code_of(frame_error_reply(FrameStatus::truncated, 0)) == "frame_truncated");
}

TEST_CASE("Protocol: docs/PROTOCOL.md names every error code and every finding code", "[protocol][docs]") {
  std::string doc = testing::read_file(std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "docs/PROTOCOL.md");
  REQUIRE_FALSE(doc.empty());
  for (auto code : kProtocolErrorCodes) {
    INFO(code);
    CHECK(doc.find("`" + std::string(code) + "`") != std::string::npos);
  }
  for (const auto& row : error_table()) {
    INFO(row.code);
    CHECK(doc.find("`" + std::string(row.code) + "`") != std::string::npos);
  }
}

TEST_CASE("Protocol: diagnose's compare is a list of https URLs, checked before anything is fetched", "[protocol][twins]") {
  CHECK(code_of(ask(R"({"type": "diagnose", "url": "https://127.0.0.1:1/", "compare": "https://a.test/"})")) == "invalid_field");
  CHECK(code_of(ask(R"({"type": "diagnose", "url": "https://127.0.0.1:1/", "compare": [1]})")) == "invalid_field");
  json bad = ask(R"({"type": "diagnose", "url": "https://127.0.0.1:1/", "compare": ["https://a.test/", "http://b.test/"]})");
  CHECK(code_of(bad) == "invalid_field");
  CHECK(bad.at("error").at("message").get<std::string>().find("'compare' entry 1") != std::string::npos);
  json many = {{"type", "diagnose"}, {"url", "https://127.0.0.1:1/"}, {"compare", json::array()}};
  for (int i = 0; i < 501; ++i) many["compare"].push_back("https://h" + std::to_string(i) + ".test/");
  CHECK(code_of(ask(many.dump())) == "invalid_field");
}

TEST_CASE("Protocol: open_separately takes an https URL and nothing else", "[protocol][twins]") {
  CHECK(code_of(ask(R"({"type": "open_separately"})")) == "invalid_field");
  CHECK(code_of(ask(R"({"type": "open_separately", "url": 7})")) == "invalid_field");
  CHECK(code_of(ask(R"({"type": "open_separately", "url": "http://device.test/"})")) == "invalid_url");
  CHECK(code_of(ask(R"j({"type": "open_separately", "url": "javascript:alert(1)"})j")) == "invalid_url");
  CHECK(code_of(ask(R"({"type": "open_separately", "url": "https://device.test/ -P x"})")) == "invalid_url");
  CHECK(code_of(ask(R"({"type": "open_separately", "url": "https://device.test/", "profile": "/tmp"})")) == "invalid_field");
  HostContext stranger = allowed();
  stranger.caller = "evil@example";
  stranger.caller_allowed = false;
  CHECK(code_of(ask(R"({"type": "open_separately", "url": "https://device.test/"})", stranger)) == "caller_not_allowed");
}

TEST_CASE("Protocol: policy_remove reads each row exactly: sha256, or issuer and serial as DER in hex or base64",
          "[protocol][policy]") {
  CHECK(code_of(ask(R"({"type": "policy_remove"})")) == "invalid_field");
  // The issuer Name "CN=A" and the serial INTEGER 01, as DER.
  const std::string name_hex = "300c310a30080603550403130141", serial_hex = "020101";
  PolicyRow by_hex = policy_row({{"issuer", name_hex}, {"serial", "02:01:01"}, {"reason", "stale"}});
  CHECK(by_hex.issuer_der == from_hex(name_hex));
  CHECK(by_hex.serial_der == from_hex(serial_hex));
  CHECK_FALSE(by_hex.sha256);
  CHECK_FALSE(by_hex.allow_trusted);
  PolicyRow by_base64 = policy_row({{"issuer", "MAwxCjAIBgNVBAMTAUE="}, {"serial", "AgEB"}, {"reason", "stale"}});
  CHECK(by_base64.issuer_der == by_hex.issuer_der);
  CHECK(by_base64.serial_der == by_hex.serial_der);
  PolicyRow by_sha = policy_row({{"sha256", std::string(32, 'A') + std::string(32, 'b')}, {"reason", "r"},
                                 {"allow_trusted", 1}});
  CHECK(by_sha.sha256 == std::string(32, 'a') + std::string(32, 'b'));
  CHECK(by_sha.allow_trusted);
  const std::vector<json> refused = {
      {{"reason", "neither"}},
      {{"sha256", std::string(64, 'a')}, {"issuer", name_hex}, {"serial", serial_hex}, {"reason", "both"}},
      {{"issuer", name_hex}, {"reason", "no serial"}},
      {{"issuer", name_hex}, {"serial", "01"}, {"reason", "a serial's content octets, not its DER"}},
      {{"issuer", "0201 01"}, {"serial", serial_hex}, {"reason", "an INTEGER is no Name"}},
      {{"issuer", name_hex + "00"}, {"serial", serial_hex}, {"reason", "bytes after the Name"}},
      {{"issuer", "not hex, not base64!"}, {"serial", serial_hex}, {"reason", "x"}},
      {{"sha256", std::string(64, 'a')}},
      {{"sha256", std::string(64, 'a')}, {"reason", ""}},
      {{"sha256", std::string(63, 'a')}, {"reason", "short"}},
      {{"sha256", std::string(64, 'a')}, {"reason", "x"}, {"allow_trusted", "yes"}},
      json::array(),
  };
  for (const auto& row : refused) {
    INFO(row.dump());
    try {
      policy_row(row);
      FAIL("accepted");
    } catch (const RequestError& e) {
      CHECK(e.code() == "invalid_field");
    }
  }
}
