#include <catch2/catch.hpp>

#include <iterator>
#include <set>

#include "audit/audit_findings.hpp"
#include "diagnosis/error_table.hpp"
#include "pkix/result.hpp"
#include "process.hpp"
#include "protocol/protocol.hpp"

#include <filesystem>
#include <regex>
#include <stdexcept>

using namespace certdoctor;

TEST_CASE("Error table: codes are unique and every row explains itself", "[error_table]") {
  std::set<std::string_view> codes;
  std::set<int> numbers;
  for (const auto& row : error_table()) {
    INFO(row.code);
    CHECK(codes.insert(row.code).second);
    if (row.nss_code != 0) {
      CHECK(numbers.insert(row.nss_code).second);
      CHECK(row.nss_code < 0);  // PRErrorCodes of NSS and mozilla::pkix are negative
      CHECK(find_error_row(row.nss_code) == &row);
    }
    CHECK_FALSE(row.title.empty());
    CHECK_FALSE(row.explanation.empty());
    CHECK(find_error_row(row.code) == &row);
  }
  CHECK(find_error_row("no_such_code") == nullptr);
}

TEST_CASE("Error table: Firefox rows carry NSS's own numbers", "[error_table]") {
  // Values from NSS's sslerr.h: SSL_ERROR_BASE (-0x3000) + 2 and + 9.
  CHECK(find_error_row("SSL_ERROR_NO_CYPHER_OVERLAP")->nss_code == -12288 + 2);
  CHECK(find_error_row("SSL_ERROR_UNSUPPORTED_VERSION")->nss_code == -12288 + 9);
  // The alerts Firefox's own handshake meets: + 61, + 98, + 100, + 181; the reset connection has no NSS number.
  CHECK(find_error_row("SSL_ERROR_HANDSHAKE_FAILURE_ALERT")->nss_code == -12288 + 61);
  CHECK(find_error_row("SSL_ERROR_PROTOCOL_VERSION_ALERT")->nss_code == -12288 + 98);
  CHECK(find_error_row("SSL_ERROR_INTERNAL_ERROR_ALERT")->nss_code == -12288 + 100);
  CHECK(find_error_row("SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT")->nss_code == -12288 + 181);
  CHECK(find_error_row("NS_ERROR_NET_RESET")->nss_code == 0);
}

TEST_CASE("Error table: every Result and every Condition has its row, Firefox's rows have a cause and a fix",
          "[error_table]") {
  using certdoctor::pkix::Result;
  for (Result r : pkix::kResults) {
    INFO(pkix::firefox_code(r));
    const ErrorRow* row = find_error_row(r);
    REQUIRE(row != nullptr);
    CHECK(row->result == r);
    CHECK(row->code == pkix::firefox_code(r));
    CHECK(find_error_row(row->code) == row);
    CHECK(row->code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string_view::npos);
    // NS_ERROR_NET_RESET is an nsresult, not a PRErrorCode
    CHECK((row->nss_code < 0) != (r == Result::NetReset));
    CHECK_FALSE(row->cause.empty());
    CHECK_FALSE(row->fix.empty());
  }
  // Each Result once, Success never (it is no error).
  const std::set<Result> distinct(std::begin(pkix::kResults), std::end(pkix::kResults));
  CHECK(distinct.size() == std::size(pkix::kResults));
  CHECK_FALSE(distinct.contains(Result::Success));
  for (Condition c : kConditions) {
    INFO(code_of(c));
    const ErrorRow* row = find_error_row(c);
    REQUIRE(row != nullptr);
    CHECK(row->code == code_of(c));
    CHECK(row->nss_code == 0);
    CHECK_FALSE(row->result);
  }
  // Every row is a Result's or a Condition's: nothing else can be named.
  std::size_t results = 0;
  for (const auto& row : error_table()) results += row.result ? 1 : 0;
  CHECK(error_table().size() == results + std::size(kConditions));
  // The codes the primer's table and the issue name, and the numbers Firefox reports for a few of them.
  for (const char* code : {"SEC_ERROR_UNKNOWN_ISSUER", "SEC_ERROR_EXPIRED_CERTIFICATE", "SSL_ERROR_BAD_CERT_DOMAIN",
                           "SEC_ERROR_INVALID_ALGORITHM", "SEC_ERROR_CERT_BAD_ACCESS_LOCATION",
                           "MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME", "SSL_ERROR_NO_CYPHER_OVERLAP"}) {
    INFO(code);
    CHECK(find_error_row(code) != nullptr);
  }
  // webNavigation reports 0x805A0000 + (-code): 2153389942 is the reused serial, 2153398258 the self-signed one.
  CHECK(find_error_row("SEC_ERROR_REUSED_ISSUER_AND_SERIAL")->nss_code == -(2153389942 - 2153381888));
  CHECK(find_error_row("MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT")->nss_code == -(2153398258 - 2153381888));
}

TEST_CASE("Error table: the numbers are NSS's and mozilla::pkix's, the facts Firefox's", "[error_table]") {
  using certdoctor::pkix::Result;
  // secerr.h: SEC_ERROR_BASE (-0x2000) + 1; mozilla::pkix: ERROR_BASE (-0x4000) + 14; prerr.h: PR_UNKNOWN_ERROR.
  CHECK(find_error_row(Result::FatalLibraryFailure)->nss_code == -8192 + 1);
  CHECK(find_error_row(Result::SelfSignedCert)->nss_code == -16384 + 14);
  CHECK(find_error_row(Result::UnknownError)->nss_code == -5994);
  // PSM's overridable errors: the ones whose error page offers "Accept the Risk and Continue".
  for (Result r : {Result::UnknownIssuer, Result::SelfSignedCert, Result::ExpiredCertificate, Result::BadCertDomain,
                   Result::CaCertUsedAsEndEntity, Result::InadequateKeySize, Result::NotYetValidIssuerCertificate}) {
    INFO(pkix::firefox_code(r));
    CHECK(pkix::facts(r).overridable);
  }
  for (Result r : {Result::ReusedIssuerAndSerial, Result::UntrustedIssuer, Result::BadSignature, Result::RevokedCertificate,
                   Result::CertNotInNameSpace, Result::FatalLibraryFailure}) {
    INFO(pkix::firefox_code(r));
    CHECK_FALSE(pkix::facts(r).overridable);
  }
  CHECK(pkix::facts(Result::ExpiredIssuerCertificate).about_issuer);
  CHECK_FALSE(pkix::facts(Result::ExpiredCertificate).about_issuer);
  CHECK(pkix::facts(Result::BadCertDomain).field == "subject_alt_names");
  CHECK(pkix::as_issuer_result(Result::ExpiredCertificate) == Result::ExpiredIssuerCertificate);
}

TEST_CASE("Templates: values fill placeholders, |sh quotes them as one shell word", "[error_table]") {
  nlohmann::json v = {{"host", "a.test"}, {"n", 3}, {"list", {"x", "y"}}};
  CHECK(render_template("{host} has {n} ({list}) {missing}", v) == "a.test has 3 (x, y) ?");
  CHECK(render_template("echo {host|sh}", v) == "echo 'a.test'");
  CHECK(render_template("unterminated {host", v) == "unterminated {host");
}

TEST_CASE("Shell quoting: a real shell receives exactly the original bytes", "[error_table][injection]") {
  const std::string hostile[] = {"plain", "it's", "$(touch /tmp/pwned)", "`id`", "a;b|c&d", "new\nline",
                                 "'\"'\"'", "tab\there", "\\back\\slash", "*", "-n", ""};
  for (const auto& s : hostile) {
    INFO(s);
    auto r = testing::run({"sh", "-c", "printf %s " + shell_quote(s)});
    CHECK(r.exit_code == 0);
    CHECK(r.out == s);
  }
}

TEST_CASE("Printable: control characters never reach a terminal raw", "[error_table][injection]") {
  CHECK(printable("ok text") == "ok text");
  CHECK(printable("\x1b[31mred") == "\\x1b[31mred");
  CHECK(printable("a\nb") == "a\\x0ab");
  CHECK(printable("a\nb", true) == "a\nb");
  CHECK(printable("\xc2\x9b" "2J") == "\\u009b2J");   // C1 CSI
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");  // ordinary UTF-8 is kept
}

TEST_CASE("One table: the audit's findings are rows of it, each code one docs/AUDIT.md names, each text filled",
          "[error_table][audit]") {
  const std::string doc = testing::read_file(std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "docs/AUDIT.md");
  REQUIRE_FALSE(doc.empty());
  std::set<std::string_view> codes;
  for (audit::AuditFinding f : audit::kAuditFindings) {
    const std::string code(audit::code_of(f));
    INFO(code << ": " << audit::text_of(f));
    codes.insert(audit::code_of(f));
    CHECK(doc.find("`" + code + "`") != std::string::npos);
    CHECK_FALSE(audit::text_of(f).empty());
    // Every placeholder filled: the text holds each value, and nothing is left over.
    nlohmann::json values = nlohmann::json::object();
    for (const auto& key : placeholders(audit::text_of(f))) values[key] = "<" + key + ">";
    const audit::EndpointFinding rendered = audit::audit_finding(f, values);
    CHECK(rendered.code == code);
    for (const auto& key : placeholders(audit::text_of(f))) CHECK(rendered.text.find("<" + key + ">") != std::string::npos);
    CHECK(rendered.text.find('{') == std::string::npos);
    if (!placeholders(audit::text_of(f)).empty()) CHECK_THROWS_AS(audit::audit_finding(f), std::logic_error);
  }
  // The nine kinds the reports carry, nothing more.
  CHECK(codes == std::set<std::string_view>{"unreachable", "handshake", "old_tls", "expired", "expiring", "weak_key",
                                            "weak_signature", "collision", "shared_key"});
  // Values are text, as in the diagnosis: a control character in a scanner's detail reaches no terminal raw.
  CHECK(audit::audit_finding(audit::AuditFinding::TrustSetUnreadable, {{"detail", "locked\x1b[2J"}}).text ==
        "the trust set could not be read: locked\\x1b[2J");
  CHECK(audit::audit_finding(audit::AuditFinding::Expiring, {{"not_after", "2027-01-01T00:00:00Z"}, {"days", 12}}).text ==
        "expires on 2027-01-01T00:00:00Z, in 12 day(s)");
}

TEST_CASE("One table: the algorithm takes the facts of each row, never its words", "[error_table][layering]") {
  // The pkix library as built holds none of the rows' English; the diagnosis' does, which shows that the search
  // looks at the right bytes.
  const std::string pkix = testing::read_file(CERTDOCTOR_PKIX_ARCHIVE);
  const std::string diagnosis = testing::read_file(CERTDOCTOR_DIAGNOSIS_ARCHIVE);
  REQUIRE(pkix.size() > 1000);
  for (const ErrorRow& row : error_table()) {
    INFO(row.code);
    for (std::string_view words : {row.title, row.explanation, row.fix}) {
      const std::string start(words.substr(0, 40));
      CHECK(pkix.find(start) == std::string::npos);
      CHECK(diagnosis.find(start) != std::string::npos);
    }
  }
}

TEST_CASE("One table: every request error the sources raise is a row of it, and every reply code one a reply can carry",
          "[error_table][protocol]") {
  const std::set<std::string> rows = {
#define CERTDOCTOR_REQUEST_ERROR(code, where) #code,
#include "codes/codes.def"
  };
  // The codes the product's sources raise: RequestError("code", ...) and the host's error_reply(id, "code", ...).
  static const std::regex raised(R"re((?:RequestError\(|error_reply\([^,()"]+, )"([a-z_0-9]+)")re");
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "native-host")) {
    const auto ext = entry.path().extension();
    if (ext != ".cpp" && ext != ".hpp") continue;
    const std::string text = testing::read_file(entry.path());
    for (std::sregex_iterator m(text.begin(), text.end(), raised), end; m != end; ++m) found.insert((*m)[1]);
  }
  CHECK(found.size() >= 15);  // the search finds what it looks for
  for (const auto& code : found) {
    INFO(code);
    CHECK(rows.contains(code));
  }
  for (auto code : kProtocolErrorCodes) CHECK(rows.contains(std::string(code)));
}
