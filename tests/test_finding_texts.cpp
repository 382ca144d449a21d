// No text a user reads holds an unfilled placeholder. Every Result row of the error table is rendered through the
// code that produces it, from real certificates, in each shape a chain comes in; a leftover "{" or "?" fails. A
// chain's verdict is explained by explain_verdict; the handshake's results (UnsupportedVersion, the alerts Firefox's
// own handshake meets, NS_ERROR_NET_RESET) never come from judging a chain: the diagnosis explains them as the code
// Firefox reported (explain_reported), with what certdoctor's own connection saw, and the fetch fills them when its
// own Firefox-like handshake meets them (tests/test_fetch.cpp renders each from a real server). The other rows
// (reaching the site, the profile, the store) are filled by their own code paths, which the integration tests run:
// a build with its tests refuses to render a finding that lacks a value (CERTDOCTOR_STRICT_TEMPLATES).
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>

#include "certificate/cert_info.hpp"
#include "diagnosis/catalog.hpp"
#include "diagnosis/error_table.hpp"
#include "pki.hpp"
#include "pkix/result.hpp"
#include "process.hpp"
#include "diagnosis/verdict_explain.hpp"

using namespace certdoctor;
using json = nlohmann::json;

namespace {

bool from_handshake(pkix::Result r) {
  using pkix::Result;
  return r == Result::UnsupportedVersion || r == Result::ProtocolVersionAlert || r == Result::HandshakeFailureAlert ||
         r == Result::CertificateRequiredAlert || r == Result::InternalErrorAlert || r == Result::NetReset;
}

// The finding for a result, from the code that makes it: explain_verdict for a chain's verdict; for a result of the
// handshake, explain_reported over the chain's own verdict (Firefox reported the handshake's code, certdoctor's
// connection got through with `session`).
Finding finding_for(pkix::Result result, const Verdict& v, const std::vector<std::string>& der, const ExplainContext& ctx,
                    const SessionFacts& session) {
  if (!from_handshake(result)) return explain_verdict(v, der, ctx);
  Verdict chain_verdict = v;
  chain_verdict.result = pkix::Result::UnknownIssuer;
  return explain_reported(explain_verdict(chain_verdict, der, ctx), std::string(pkix::firefox_code(result)), session);
}

// What a leftover looks like in rendered text: a "{name}" placeholder, or the "?" a missing value renders as
// (alone, or quoted for the shell).
void check_filled(const json& rendered) {
  static const std::regex leftover(R"(\{[a-z_]+(\|sh)?\}|'\?'|(^|\s)\?(\s|$|[.,;:)]))");
  for (const char* key : {"title", "explanation", "cause", "fix"}) {
    const std::string text = rendered.value(key, "");
    INFO(rendered.value("code", "") << " " << key << ": " << text);
    CHECK_FALSE(std::regex_search(text, leftover));
  }
}

struct Chains {
  testing::TempDir dir;
  testing::Pki pki{dir.path()};
  testing::Issued root = pki.root("root", {.subject = "/O=Example Corp/CN=Example Root"});
  testing::Issued leaf = pki.issue("leaf", root, {.subject = "/CN=switch.test", .extensions = {"subjectAltName=DNS:switch.test"}});
  testing::Issued device = pki.device("device", {.subject = "/CN=192.0.2.7", .serial = "01"});
};

}  // namespace

TEST_CASE("Finding texts: every verdict row, from the code that explains it, fills every placeholder",
          "[error_table][findings]") {
  Chains c;
  struct Shape {
    const char* name;
    std::vector<std::string> der;
    std::string host;
    bool issuer_tried;
  };
  const Shape shapes[] = {
      {"a leaf and its issuer, the issuer tried", {c.leaf.der(), c.root.der()}, "switch.test", true},
      {"a leaf alone, no issuer found", {c.leaf.der()}, "switch.test", false},
      {"a device's self-signed certificate reached by IP", {c.device.der()}, "192.0.2.7", false},
  };
  // The rows reached from the code that explains a verdict, per shape.
  std::map<std::string, std::set<std::string>> explained;
  for (const Shape& shape : shapes) {
    std::vector<CertificateDescription> chain;
    for (const auto& der : shape.der) chain.push_back(describe_certificate(der));
    const ExplainContext ctx{chain, "https://" + shape.host + ":8443/", shape.host, shape.host + ":8443"};
    for (pkix::Result result : pkix::kResults) {
      Verdict v;
      v.result = result;
      if (shape.issuer_tried) v.attempts.push_back({"", c.root.der(), result, 0});
      const SessionFacts session{"TLSv1", "ECDHE-RSA-AES128-SHA", "TLS 1.2 to TLS 1.3", {"security.tls.version.min=3"}};
      const Finding f = finding_for(result, v, shape.der, ctx, session);
      INFO(shape.name << ": " << f.code);
      CHECK(f.code == pkix::firefox_code(result));
      const ErrorRow* row = find_error_row(f.code);
      REQUIRE(row);
      CHECK(unfilled_placeholders(*row, f.values).empty());
      check_filled(render_finding(f));
      explained[shape.name].insert(std::string(row->code));
      // Firefox may have reported any code of its own while certdoctor predicts this one.
      for (const ErrorRow& reported : error_table()) {
        if (!reported.result || reported.code == f.code) continue;
        for (const SessionFacts& session : {SessionFacts{"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"}, SessionFacts{}}) {
          const Finding r = explain_reported(f, std::string(reported.code), session);
          INFO("reported " << reported.code);
          CHECK(unfilled_placeholders(reported, r.values).empty());
          check_filled(render_finding(r));
        }
      }
    }
  }
  // Every row of the table that stands for a verdict was reached, in every shape: a row whose Result the explaining
  // code never produces (or maps to another row) would be a text no user ever sees, untested here.
  for (const Shape& shape : shapes) {
    for (const ErrorRow& row : error_table()) {
      if (!row.result) continue;
      INFO(shape.name << ": the row " << row.code);
      CHECK(explained[shape.name].count(std::string(row.code)) == 1);
    }
  }
}

TEST_CASE("Finding texts: a missing value is refused in test builds and never rendered as a command", "[error_table][findings]") {
  const ErrorRow* row = find_error_row("connection_refused");
  REQUIRE(row);
  const json values = {{"address", "127.0.0.1"}};
  const auto missing = unfilled_placeholders(*row, values);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "port");
  CHECK_THROWS_AS(render_finding(Finding(Condition::connection_refused, values)), std::logic_error);
  CHECK_NOTHROW(render_finding(Finding(Condition::connection_refused, {{"address", "127.0.0.1"}, {"port", 8443}})));
  // The leftover check itself: it would catch what a missing value used to look like.
  CHECK_THAT(render_template("-subj {subj|sh}", json::object()), Catch::Contains("'?'"));
}

TEST_CASE("Finding texts: the engine passes facts, and the words for them come from the extension's English catalog",
          "[error_table][findings]") {
  // The catalog is the extension's own (extension/_locales/en/messages.json), filled as browser.i18n fills it.
  CHECK(catalog_words("acceptedProtocol", {"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"}) == "TLSv1.2 with ECDHE-RSA-AES128-GCM-SHA256");
  CHECK(catalog_words("keyBits", {"RSA", "1024"}) == "RSA 1024 bits");
  CHECK_THROWS_AS(catalog_words("noSuchMessage"), std::logic_error);
  // A handshake Firefox's offer could not complete: facts in the values, words only in the texts.
  Finding f = Finding::firefox_error("SSL_ERROR_HANDSHAKE_FAILURE_ALERT",
                                     {{"host", "nas.test"}, {"host_port", "nas.test:8443"}, {"offered", "TLS 1.3"},
                                      {"prefs", json::array()}, {"client_certificate_requested", true},
                                      {"accepted_version", "TLSv1.2"}, {"accepted_cipher", "AES256-SHA"}});
  const json rendered = render_finding(f);
  for (const char* words : {"accepted", "profile_settings", "client_certificate", "version"}) {
    INFO(words);
    CHECK_FALSE(rendered.at("values").contains(words));
  }
  const std::string explanation = rendered.at("explanation").get<std::string>();
  CHECK(explanation.find(catalog_words("acceptedProtocol", {"TLSv1.2", "AES256-SHA"})) != std::string::npos);
  CHECK(explanation.find(catalog_words("clientCertificateAsked")) != std::string::npos);
  // A stale root: what its removal leaves Firefox showing, and why it cannot vouch, from facts.
  Finding anchor(Condition::stale_anchor, {{"stored_subject", "CN=Old CA"}, {"nickname", "old"}, {"trust", "C,,"},
                                            {"stored_not_after", "2020-01-01T00:00:00Z"}, {"why", "expired"},
                                            {"error", "SEC_ERROR_UNKNOWN_ISSUER"}, {"after_error", ""}, {"after_root", ""},
                                            {"profile", "/p"}, {"stored_sha256", "ab"}, {"url", "https://x.test/"}});
  const std::string text = render_finding(anchor).at("explanation").get<std::string>();
  CHECK(text.find(catalog_words("whyExpired")) != std::string::npos);
  CHECK(text.find(catalog_words("afterThenLoads")) != std::string::npos);
}
