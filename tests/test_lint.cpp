// certdoctor lint: a generator's certificates made with the openssl command line (a real OpenSSL CA folder with its
// index.txt, `openssl req -x509`) and with the tests' PKI helpers, linted by the real binary; each finding met, each
// clean case clean, the exit codes, the JSON read with .at().
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "lint/lint.hpp"
#include "pki.hpp"
#include "process.hpp"

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

testing::RunResult lint(std::vector<std::string> args) {
  args.insert(args.begin(), {testing::bin("certdoctor").string(), "lint"});
  return testing::run(args);
}

json lint_json(std::vector<std::string> args) {
  args.push_back("--json");
  const auto r = lint(args);
  INFO(r.err);
  json j = json::parse(r.out);
  CHECK(j.at("exit_code").get<int>() == r.exit_code);
  return j;
}

// The codes of the findings, with how many certificates each concerns.
std::multiset<std::string> codes(const json& j) {
  std::multiset<std::string> out;
  for (const auto& f : j.at("findings")) out.insert(f.at("code").get<std::string>());
  return out;
}

// 16 random octets with the top bit clear: what a generator should use.
std::string good_serial() {
  std::string hex = testing::run_ok({"openssl", "rand", "-hex", "16"});
  hex.resize(32);
  hex[0] = "1234567"[std::string("0123456789abcdef").find(hex[0]) % 7];
  return hex;
}

// A self-signed certificate made with `openssl req -x509`, with exactly this serial (openssl's syntax: 0xHEX or a
// decimal, with '-' for negative) and a fresh key unless one is given.
fs::path self_signed(const fs::path& dir, const std::string& name, const std::string& serial, const std::string& key = "") {
  const fs::path cert = dir / (name + ".pem");
  std::vector<std::string> argv{"openssl", "req", "-x509", "-subj", "/CN=" + name, "-days", "30", "-set_serial", serial,
                                "-out", cert.string()};
  if (key.empty()) {
    for (const char* a : {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout"}) argv.push_back(a);
    argv.push_back((dir / (name + ".key")).string());
  } else {
    argv.push_back("-key");
    argv.push_back(key);
  }
  testing::run_ok(argv);
  return cert;
}

// A real OpenSSL CA folder (openssl ca's own layout: index.txt, serial, newcerts/) over one CA key, counting its
// serials up from `first` as openssl ca does.
struct OpenSslCa {
  fs::path dir;
  OpenSslCa(fs::path d, const fs::path& ca_cert, const fs::path& ca_key, const std::string& first) : dir(std::move(d)) {
    fs::create_directories(dir / "newcerts");
    testing::write_file(dir / "index.txt", "");
    testing::write_file(dir / "serial", first + "\n");
    testing::write_file(dir / "ca.cnf",
                        "[ca]\ndefault_ca = here\n[here]\ndir = " + dir.string() +
                            "\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\nserial = $dir/serial\n"
                            "certificate = " + ca_cert.string() + "\nprivate_key = " + ca_key.string() +
                            "\ndefault_md = sha256\ndefault_days = 30\npolicy = any\nunique_subject = no\n"
                            "[any]\ncommonName = supplied\n");
  }
  void issue(const std::string& cn) {
    const fs::path csr = dir / (cn + ".csr");
    testing::run_ok({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", (dir / (cn + ".key")).string(), "-subj", "/CN=" + cn, "-out", csr.string()});
    testing::run_ok({"openssl", "ca", "-batch", "-notext", "-config", (dir / "ca.cnf").string(), "-in", csr.string(),
                     "-out", (dir / (cn + ".crt")).string()});
  }
};

}  // namespace

TEST_CASE("lint: certificates with random 16-octet serials and keys of their own are clean (exit 0)", "[lint]") {
  testing::TempDir tmp;
  testing::Pki pki(tmp.path());
  const auto root = pki.root("root", {.subject = "/CN=Lint Root", .serial = good_serial()});
  pki.issue("a", root, {.subject = "/CN=a.test", .serial = good_serial()});
  pki.issue("b", root, {.subject = "/CN=b.test", .serial = good_serial()});
  const json j = lint_json({tmp.path().string()});
  CHECK(j.at("exit_code") == 0);
  CHECK(j.at("certificates").size() == 3);
  CHECK(j.at("findings").empty());
  CHECK(j.at("errors").empty());
  const auto text = lint({tmp.path().string()});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("3 certificate(s) read, 0 finding(s)") != std::string::npos);
}

TEST_CASE("lint: serials 0 and 1, short, negative and longer than 20 octets are each found", "[lint]") {
  testing::TempDir tmp;
  self_signed(tmp.path(), "zero", "0");
  self_signed(tmp.path(), "one", "1");
  self_signed(tmp.path(), "short", "0x7fffffffffffffff");       // 63 significant bits
  self_signed(tmp.path(), "exact", "0x" + std::string("80") + std::string(14, '1'));  // 64 bits: not short
  self_signed(tmp.path(), "negative", "-0x" + good_serial());
  self_signed(tmp.path(), "long", "0x7" + std::string(41, 'a'));  // 21 octets
  self_signed(tmp.path(), "twenty", "0x7" + std::string(39, 'a'));  // 20 octets: allowed
  const json j = lint_json({tmp.path().string()});
  CHECK(j.at("exit_code") == 1);
  REQUIRE(j.at("certificates").size() == 7);
  std::map<std::string, std::string> by_subject_code;
  for (const auto& f : j.at("findings")) {
    REQUIRE(f.at("certificates").size() == 1);
    const auto& c = j.at("certificates").at(f.at("certificates").at(0).get<std::size_t>());
    by_subject_code[c.at("subject").get<std::string>()] += f.at("code").get<std::string>() + " ";
    CHECK(f.at("text").get<std::string>().find('{') == std::string::npos);
  }
  CHECK(by_subject_code.at("CN=zero") == "serial_zero_or_one ");
  CHECK(by_subject_code.at("CN=one") == "serial_zero_or_one ");
  CHECK(by_subject_code.at("CN=short") == "short_serial ");
  CHECK(by_subject_code.at("CN=negative") == "negative_serial ");
  CHECK(by_subject_code.at("CN=long") == "long_serial ");
  CHECK(by_subject_code.count("CN=exact") == 0);
  CHECK(by_subject_code.count("CN=twenty") == 0);
  for (const auto& f : j.at("findings")) {
    if (f.at("code") == "short_serial") CHECK(f.at("values").at("bits") == 63);
    if (f.at("code") == "long_serial") CHECK(f.at("values").at("octets") == 21);
  }
}

TEST_CASE("lint: an OpenSSL CA's index.txt: serials counting up, and a reinstalled CA reusing them", "[lint]") {
  testing::TempDir tmp;
  testing::Pki pki(tmp.path());
  const auto root = pki.root("root", {.subject = "/CN=Generator CA", .serial = good_serial()});
  // openssl ca counts up from the serial file's value; a 16-octet start keeps short_serial out of the way.
  const std::string start = "5a1b2c3d4e5f60718293a4b5c6d7e800";
  OpenSslCa first(tmp / "ca1", root.cert, root.key, start);
  first.issue("one.test");
  first.issue("two.test");
  first.issue("three.test");
  const json counting = lint_json({(tmp / "ca1" / "index.txt").string()});
  CHECK(counting.at("exit_code") == 1);
  CHECK(counting.at("certificates").size() == 3);
  REQUIRE(codes(counting) == std::multiset<std::string>{"counting_serials"});
  const auto& f = counting.at("findings").at(0);
  CHECK(f.at("values").at("first") == start);
  CHECK(f.at("values").at("last") == "5a1b2c3d4e5f60718293a4b5c6d7e802");
  CHECK(f.at("values").at("issuer") == "CN=Generator CA");
  CHECK(f.at("certificates").size() == 3);

  // Two certificates in a row are not yet a count.
  OpenSslCa two(tmp / "ca2", root.cert, root.key, "6a1b2c3d4e5f60718293a4b5c6d7e800");
  two.issue("x.test");
  two.issue("y.test");
  CHECK(codes(lint_json({(tmp / "ca2" / "index.txt").string()})).empty());

  // The generator reinstalled: a fresh index and serial file, the same CA, the first serial again for another site.
  OpenSslCa again(tmp / "ca3", root.cert, root.key, start);
  again.issue("other.test");
  const json reused = lint_json({(tmp / "ca1" / "index.txt").string(), (tmp / "ca3" / "index.txt").string()});
  CHECK(reused.at("exit_code") == 1);
  bool found = false;
  for (const auto& g : reused.at("findings")) {
    if (g.at("code") != "reused_serial") continue;
    found = true;
    CHECK(g.at("values").at("serial") == start);
    CHECK(g.at("values").at("certificates") == 2);
    std::set<std::string> subjects;
    for (const auto& i : g.at("certificates")) subjects.insert(reused.at("certificates").at(i.get<std::size_t>()).at("subject"));
    CHECK(subjects == std::set<std::string>{"CN=one.test", "CN=other.test"});
  }
  CHECK(found);

  // The same file named twice, or reached through the folder too, is one certificate, not a reuse.
  const json twice = lint_json({(tmp / "ca3" / "index.txt").string(), (tmp / "ca3" / "newcerts").string()});
  CHECK(twice.at("certificates").size() == 1);
  CHECK(twice.at("findings").empty());

  // --newcerts: the certificates' folder given elsewhere.
  fs::rename(tmp / "ca1" / "newcerts", tmp / "issued");
  const json moved = lint_json({(tmp / "ca1" / "index.txt").string(), "--newcerts", (tmp / "issued").string()});
  CHECK(moved.at("certificates").size() == 3);
  CHECK(moved.at("errors").empty());
  const json lost = lint_json({(tmp / "ca1" / "index.txt").string()});
  CHECK(lost.at("exit_code") == 2);
  CHECK(lost.at("errors").size() == 3);
  CHECK(lost.at("errors").at(0).at("code") == "missing_issued_file");
}

TEST_CASE("lint: one key behind several certificates", "[lint]") {
  testing::TempDir tmp;
  const fs::path first = self_signed(tmp.path(), "first", "0x" + good_serial());
  self_signed(tmp.path(), "second", "0x" + good_serial(), (tmp / "first.key").string());
  self_signed(tmp.path(), "third", "0x" + good_serial());
  // One PEM file with several certificates counts each.
  testing::write_file(tmp / "both.pem", testing::read_file(first) + testing::read_file(tmp / "second.pem"));
  const json j = lint_json({(tmp / "both.pem").string(), (tmp / "third.pem").string()});
  CHECK(j.at("exit_code") == 1);
  REQUIRE(codes(j) == std::multiset<std::string>{"shared_key"});
  CHECK(j.at("findings").at(0).at("certificates") == json::array({0, 1}));
  CHECK(j.at("certificates").at(1).at("position") == 2);
}

TEST_CASE("lint: unreadable files and files that are no certificate exit 2, naming the file, the rest still linted",
          "[lint]") {
  testing::TempDir tmp;
  const fs::path good = self_signed(tmp.path(), "good", "1");
  testing::write_file(tmp / "notes.txt", "not a certificate\n");
  // DER input too: the good certificate as DER is the same certificate.
  testing::run_ok({"openssl", "x509", "-in", good.string(), "-outform", "DER", "-out", (tmp / "good.der").string()});
  const auto r = lint({(tmp / "missing.pem").string(), (tmp / "notes.txt").string(), good.string(),
                       (tmp / "good.der").string(), "--json"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find((tmp / "missing.pem").string()) != std::string::npos);
  CHECK(r.err.find((tmp / "notes.txt").string() + ": not a certificate") != std::string::npos);
  const json j = json::parse(r.out);
  CHECK(j.at("errors").size() == 2);
  CHECK(j.at("certificates").size() == 1);
  CHECK(codes(j) == std::multiset<std::string>{"serial_zero_or_one"});  // the good file's finding still reported

  // A usage error: no argument.
  CHECK(lint({}).exit_code == 2);
}

TEST_CASE("lint: text output names the finding and the certificate, escapes made visible", "[lint]") {
  testing::TempDir tmp;
  self_signed(tmp.path(), "evil\x1b[31m", "1");
  const auto r = lint({tmp.path().string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("serial_zero_or_one: the serial is 01") != std::string::npos);
  CHECK(r.out.find('\x1b') == std::string::npos);
}

TEST_CASE("lint: its rows are in the one table, each code one docs/LINT.md names, each input row naming its file",
          "[lint]") {
  const std::string doc = testing::read_file(fs::path(CERTDOCTOR_SOURCE_DIR) / "docs/LINT.md");
  for (auto c : certdoctor::lint::kLintCodes) {
    const std::string code(certdoctor::lint::code_of(c));
    CHECK(doc.find("`" + code + "`") != std::string::npos);
    if (certdoctor::lint::is_input_error(c)) CHECK(std::string(certdoctor::lint::text_of(c)).rfind("{file}", 0) == 0);
  }
}
