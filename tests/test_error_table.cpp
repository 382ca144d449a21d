#include <catch2/catch.hpp>

#include <set>

#include "error_table.hpp"
#include "process.hpp"

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
}

TEST_CASE("Templates: values fill placeholders; |sh quotes them as one shell word", "[error_table]") {
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
