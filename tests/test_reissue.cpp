// certdoctor reissue: the engine (serials, names, extensions, CA and CSR signing, files never overwritten) and
// the command run as an admin runs it, against a real device-like server, judged by certdoctor's own verdict.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>
#include <set>

#include "base/request_error.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "reissue/reissue.hpp"
#include "servers.hpp"

using namespace certdoctor;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr parse(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
}


std::string text_of(const fs::path& cert) {
  return testing::run_ok({"openssl", "x509", "-in", cert.string(), "-noout", "-text"});
}

std::string served_der(const testing::Issued& i) { return i.der(); }

// The one-off CA's nameConstraints extension as OpenSSL configuration ("critical,DER:..."), byte for byte, so a
// test CA with a key of its own can carry exactly the constraints certdoctor wrote (the one-off CA's key is gone).
std::string name_constraints_line(const fs::path& ca_pem) {
  const std::string pem = testing::read_file(ca_pem);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  X509Ptr ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  REQUIRE(ca);
  const int at = X509_get_ext_by_NID(ca.get(), NID_name_constraints, -1);
  REQUIRE(at >= 0);
  X509_EXTENSION* ext = X509_get_ext(ca.get(), at);
  REQUIRE(X509_EXTENSION_get_critical(ext) == 1);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  std::string hex;
  const char* digits = "0123456789ABCDEF";
  for (int i = 0; i < ASN1_STRING_length(data); ++i) {
    const unsigned char b = ASN1_STRING_get0_data(data)[i];
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return "nameConstraints=critical,DER:" + hex;
}

// What `openssl verify` says of `leaf` under `ca` alone (exit code 0: verified).
testing::RunResult openssl_verify(const fs::path& ca, const fs::path& leaf) {
  return testing::run({"openssl", "verify", "-x509_strict", "-CAfile", ca.string(), leaf.string()});
}

// A CA with the one-off CA's constraints and a key of its own signs the certificate's own names (verifies) and
// foreign ones (each refused by OpenSSL for its name).
void check_constraints_hold(testing::Pki& pki, const fs::path& one_off_ca, const std::string& tag,
                            const std::vector<std::string>& own_san,
                            const std::vector<std::string>& foreign_san) {
  auto copy = pki.root("nc-copy-" + tag, {.subject = "/CN=Constraint copy " + tag,
                                          .extensions = {"basicConstraints=critical,CA:TRUE,pathlen:0",
                                                         "keyUsage=critical,keyCertSign,cRLSign",
                                                         "subjectKeyIdentifier=hash", name_constraints_line(one_off_ca)}});
  auto leaf = [&](const std::string& name, const std::string& subject, const std::string& san) {
    return pki.issue(name, copy, {.subject = subject, .extensions = {"basicConstraints=CA:FALSE",
                                  "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth",
                                  "subjectAltName=critical," + san}});
  };
  int n = 0;
  for (const auto& san : own_san) {
    INFO("own name " << san);
    auto r = openssl_verify(copy.cert, leaf("own-" + tag + std::to_string(n++), "/O=certdoctor test", san).cert);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }
  for (const auto& san : foreign_san) {
    INFO("foreign name " << san);
    auto r = openssl_verify(copy.cert, leaf("foreign-" + tag + std::to_string(n++), "/O=certdoctor test", san).cert);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.out + r.err, Catch::Contains("subtree violation"));
  }
}

std::string error_code_of(const ReissueRequest& r) {
  try {
    reissue(r);
  } catch (const RequestError& e) {
    return e.code() + ": " + e.what();
  }
  return "(no error)";
}

testing::RunResult run_cli(std::vector<std::string> args, const fs::path& home, const std::string& input = "") {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args, input, {{"HOME", home.string()}, {"XDG_CONFIG_HOME", (home / ".config").string()}});
}

}  // namespace

TEST_CASE("Reissue: a self-signed replacement with a random serial, the device's names and a server's extensions",
          "[reissue]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  // A device's factory certificate: the name every such device has, serial 01, and a SAN of its own.
  auto factory = pki.device("factory", {.subject = "/O=Dell Inc./OU=Remote Access Group/CN=iDRAC default certificate",
                                        .serial = "01",
                                        .extensions = {"subjectAltName=DNS:idrac-abc1234,IP:192.0.2.7"}});
  ReissueRequest r{.host = "idrac-a.example.test", .served_der = served_der(factory), .out_dir = dir.path()};
  const ReissueResult out = reissue(r);

  CHECK(out.signer == "self-signed");
  REQUIRE(out.device != nullptr);
  CHECK(out.device->id == "dell-idrac");
  // Only the URL's host by default: what the device serves is its own word (docs/SECURITY.md), listed, not used.
  CHECK(out.names == std::vector<std::string>{"DNS:idrac-a.example.test"});
  CHECK(out.served_names == std::vector<std::string>{"DNS:idrac-abc1234", "IP:192.0.2.7"});
  REQUIRE(out.skipped.size() == 2);
  CHECK_THAT(out.skipped[0], Catch::StartsWith("DNS:idrac-abc1234: outside example.test"));
  CHECK_THAT(out.skipped[1], Catch::StartsWith("IP:192.0.2.7: an address the device serves"));

  auto cert = parse(out.cert_der);
  REQUIRE(cert);
  // Serial: positive, 16 octets of content, as reported.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  CHECK(ASN1_STRING_type(serial) == V_ASN1_INTEGER);  // not V_ASN1_NEG_INTEGER
  CHECK(ASN1_STRING_length(serial) == 16);
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  CHECK(BN_num_bits(bn) >= 64);
  CHECK(BN_num_bytes(bn) <= 20);
  BN_free(bn);
  CHECK(out.serial_hex.size() == 32);

  const fs::path cert_file = reissue_file(dir.path(), r.host, "certificate");
  const fs::path key_file = reissue_file(dir.path(), r.host, "key");
  const std::string text = text_of(cert_file);
  CHECK(text.find("CA:FALSE") != std::string::npos);
  CHECK(text.find("TLS Web Server Authentication") != std::string::npos);
  CHECK(text.find("Digital Signature, Key Encipherment") != std::string::npos);
  CHECK(text.find("DNS:idrac-a.example.test") != std::string::npos);
  CHECK(text.find("192.0.2.7") == std::string::npos);  // served, not confirmed: not in the certificate
  CHECK(text.find("Subject: CN = idrac-a.example.test") != std::string::npos);
  // The key: owner-only, and the certificate's.
  struct stat st {};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string cert_pub = testing::run_ok({"openssl", "x509", "-in", cert_file.string(), "-noout", "-pubkey"});
  const std::string key_pub = testing::run_ok({"openssl", "pkey", "-in", key_file.string(), "-pubout"});
  CHECK(cert_pub == key_pub);
  // Self-signed: the chain is the certificate; the signature verifies with its own key.
  CHECK(testing::read_file(reissue_file(dir.path(), r.host, "chain")) == testing::read_file(cert_file));
  CHECK(testing::run({"openssl", "verify", "-CAfile", cert_file.string(), "-partial_chain", cert_file.string()})
            .exit_code == 0);
  // The device's upload command names these files.
  CHECK(out.upload_command.find("sslcertupload -t 1 -f '" + cert_file.string() + "'") != std::string::npos);
  CHECK(out.upload_command.find("sslkeyupload -t 1 -f '" + key_file.string() + "'") != std::string::npos);
}

TEST_CASE("Reissue: serials are different every time and never negative", "[reissue]") {
  testing::TempDir dir;
  std::set<std::string> serials;
  for (int i = 0; i < 8; ++i) {
    const fs::path out = dir / std::to_string(i);
    fs::create_directory(out);
    const ReissueResult r =
        reissue({.host = "10.1.2.3", .host_is_ip = true, .out_dir = out, .key_type = "ec-p256"});
    CHECK(r.names == std::vector<std::string>{"IP:10.1.2.3"});
    CHECK(serials.insert(r.serial_hex).second);
    CHECK(std::stoi(r.serial_hex.substr(0, 1), nullptr, 16) < 8);  // top bit clear: positive
  }
}

TEST_CASE("Reissue: an IPv6 device gets its address as a name and a file name without colons", "[reissue]") {
  testing::TempDir dir;
  const ReissueResult r = reissue({.host = "fd00::17", .host_is_ip = true, .out_dir = dir.path(), .key_type = "ec-p256"});
  CHECK(r.names == std::vector<std::string>{"IP:fd00::17"});
  CHECK(fs::exists(dir / "fd00__17.cert.pem"));
  // EC keys get digitalSignature only (keyEncipherment is for RSA key transport).
  const std::string text = text_of(dir / "fd00__17.cert.pem");
  CHECK(text.find("Digital Signature") != std::string::npos);
  CHECK(text.find("Key Encipherment") == std::string::npos);
}

TEST_CASE("Reissue: never overwrites a file: nothing is written when one exists", "[reissue]") {
  testing::TempDir dir;
  const fs::path cert_file = reissue_file(dir.path(), "nas.example.test", "certificate");
  testing::write_file(cert_file, "precious");
  const ReissueRequest r{.host = "nas.example.test", .out_dir = dir.path()};
  const std::string err = error_code_of(r);
  CHECK(err.starts_with("file_exists: refusing to overwrite " + cert_file.string()));
  CHECK(testing::read_file(cert_file) == "precious");
  CHECK_FALSE(fs::exists(reissue_file(dir.path(), r.host, "key")));
  CHECK_FALSE(fs::exists(reissue_file(dir.path(), r.host, "chain")));

  // A dangling symbolic link counts as a file too (writing through it would create a file elsewhere).
  testing::TempDir dir2;
  fs::create_symlink(dir2 / "elsewhere", reissue_file(dir2.path(), r.host, "key"));
  CHECK(error_code_of({.host = r.host, .out_dir = dir2.path()}).starts_with("file_exists"));
  CHECK_FALSE(fs::exists(dir2 / "elsewhere"));
  CHECK_FALSE(fs::exists(reissue_file(dir2.path(), r.host, "certificate")));

  // Bad input: a clear error before anything is made.
  CHECK(error_code_of({.host = r.host, .out_dir = dir / "missing"}).starts_with("invalid_field"));
  CHECK(error_code_of({.host = r.host, .out_dir = dir2.path(), .days = 0}).starts_with("invalid_field"));
  CHECK(error_code_of({.host = r.host, .out_dir = dir2.path(), .pkcs12 = true}).find("password") != std::string::npos);
  CHECK(error_code_of({.host = "not a host", .out_dir = dir2.path()}).starts_with("invalid_field"));
}

TEST_CASE("Reissue: signed by the admin's CA, checked against it, and a wrong key or a non-CA is refused", "[reissue]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto ca = pki.root("ca", {.subject = "/CN=Example Fleet CA"});
  auto other = pki.root("other", {.subject = "/CN=Other CA"});
  auto leaf = pki.device("leaf", {.subject = "/CN=not-a-ca.test"});
  const fs::path out = dir / "out";
  fs::create_directory(out);

  CHECK(error_code_of({.host = "a.test", .ca_cert = ca.cert, .ca_key = other.key, .out_dir = out})
            .find("does not belong") != std::string::npos);
  CHECK(error_code_of({.host = "a.test", .ca_cert = leaf.cert, .ca_key = leaf.key, .out_dir = out})
            .find("is not a CA") != std::string::npos);
  CHECK(error_code_of({.host = "a.test", .ca_cert = ca.cert, .out_dir = out}).find("go together") != std::string::npos);
  CHECK(fs::is_empty(out));

  const ReissueResult r = reissue({.host = "a.test", .ca_cert = ca.cert, .ca_key = ca.key, .out_dir = out});
  CHECK(r.signer == "ca");
  const fs::path cert_file = reissue_file(out, "a.test", "certificate");
  CHECK(testing::run({"openssl", "verify", "-CAfile", ca.cert.string(), cert_file.string()}).exit_code == 0);
  CHECK(testing::run({"openssl", "verify", "-CAfile", other.cert.string(), cert_file.string()}).exit_code != 0);
  CHECK(text_of(cert_file).find("Issuer: CN = Example Fleet CA") != std::string::npos);
  // The chain: the certificate, then the CA.
  CHECK(testing::read_file(reissue_file(out, "a.test", "chain")) ==
        testing::read_file(cert_file) + testing::read_file(ca.cert));
}

TEST_CASE("Reissue: a CSR the device made is signed for its own key, by the admin's CA or a one-off CA", "[reissue]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto ca = pki.root("ca", {.subject = "/CN=Example Fleet CA"});
  testing::run_ok({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", (dir / "dev.key").string(),
                   "-subj", "/CN=ilo-7.example.test/O=Example", "-out", (dir / "dev.csr").string()});
  const std::string device_pub =
      testing::run_ok({"openssl", "pkey", "-in", (dir / "dev.key").string(), "-pubout"});

  const fs::path with_ca = dir / "with-ca";
  fs::create_directory(with_ca);
  const ReissueResult a = reissue({.host = "ilo-7.example.test", .ca_cert = ca.cert, .ca_key = ca.key,
                                   .csr = dir / "dev.csr", .out_dir = with_ca});
  CHECK(a.signer == "ca");
  const fs::path a_cert = reissue_file(with_ca, "ilo-7.example.test", "certificate");
  CHECK(testing::run_ok({"openssl", "x509", "-in", a_cert.string(), "-noout", "-pubkey"}) == device_pub);
  // The CSR's subject is the device's word: the certificate names the host instead.
  CHECK(text_of(a_cert).find("Subject: CN = ilo-7.example.test\n") != std::string::npos);
  CHECK(text_of(a_cert).find("O = Example") == std::string::npos);
  CHECK_FALSE(fs::exists(reissue_file(with_ca, "ilo-7.example.test", "key")));  // the key stays on the device
  CHECK(testing::run({"openssl", "verify", "-CAfile", ca.cert.string(), a_cert.string()}).exit_code == 0);

  const fs::path alone = dir / "alone";
  fs::create_directory(alone);
  const ReissueResult b = reissue({.host = "ilo-7.example.test", .csr = dir / "dev.csr", .out_dir = alone});
  CHECK(b.signer == "one-off-ca");
  const fs::path b_cert = reissue_file(alone, "ilo-7.example.test", "certificate");
  const fs::path b_ca = reissue_file(alone, "ilo-7.example.test", "ca");
  CHECK(testing::run({"openssl", "verify", "-CAfile", b_ca.string(), b_cert.string()}).exit_code == 0);
  // The one-off CA may vouch for exactly this name, and for no CA below it.
  const std::string ca_text = text_of(b_ca);
  CHECK(ca_text.find("pathlen:0") != std::string::npos);
  CHECK(ca_text.find("X509v3 Name Constraints: critical") != std::string::npos);
  CHECK(ca_text.find("DNS:ilo-7.example.test") != std::string::npos);
  CHECK(ca_text.find("DNS:.ilo-7.example.test") != std::string::npos);  // excluded: nothing below it
  CHECK(testing::read_file(reissue_file(alone, "ilo-7.example.test", "chain")) ==
        testing::read_file(b_cert) + testing::read_file(b_ca));
  // Only the CA's certificate is kept: no file in the folder holds a private key.
  for (const auto& e : fs::directory_iterator(alone)) {
    CHECK(testing::read_file(e.path()).find("PRIVATE KEY") == std::string::npos);
  }

  // A CSR whose signature does not verify (a byte of its subject changed) is refused; nothing is written.
  std::string der = testing::run_ok({"openssl", "req", "-in", (dir / "dev.csr").string(), "-outform", "DER"});
  const auto at = der.find("ilo-7");
  REQUIRE(at != std::string::npos);
  der[at] = 'x';
  testing::write_file(dir / "bad.csr", der);
  const fs::path bad = dir / "bad";
  fs::create_directory(bad);
  CHECK(error_code_of({.host = "ilo-7.example.test", .csr = dir / "bad.csr", .out_dir = bad})
            .find("does not verify") != std::string::npos);
  CHECK(fs::is_empty(bad));
  CHECK(error_code_of({.host = "ilo-7.example.test", .csr = dir / "dev.csr", .out_dir = bad, .pkcs12 = true,
                       .pkcs12_password = "x"})
            .find("stays on the device") != std::string::npos);
}

TEST_CASE("Reissue: PKCS#12 with the key, certificate and CA, under the password given", "[reissue]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto ca = pki.root("ca", {.subject = "/CN=Example Fleet CA"});
  const fs::path out = dir / "out";
  fs::create_directory(out);
  reissue({.host = "asa.example.test", .ca_cert = ca.cert, .ca_key = ca.key, .out_dir = out, .pkcs12 = true,
           .pkcs12_password = "s3cret pass"});
  const fs::path p12 = reissue_file(out, "asa.example.test", "pkcs12");
  struct stat st {};
  REQUIRE(::stat(p12.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  testing::write_file(dir / "pass", "s3cret pass\n");
  const std::string dump = testing::run_ok({"openssl", "pkcs12", "-in", p12.string(), "-passin",
                                            "file:" + (dir / "pass").string(), "-nodes"});
  CHECK(dump.find("PRIVATE KEY") != std::string::npos);
  CHECK(dump.find("subject=CN = asa.example.test") != std::string::npos);
  CHECK(dump.find("subject=CN = Example Fleet CA") != std::string::npos);
  testing::write_file(dir / "wrong", "wrong\n");
  CHECK(testing::run({"openssl", "pkcs12", "-in", p12.string(), "-passin", "file:" + (dir / "wrong").string(),
                      "-nodes"})
            .exit_code != 0);
}

TEST_CASE("CLI reissue: twins with one factory identity, and the replacement for one of them no longer collides, by "
          "certdoctor's own verdict",
          "[reissue][cli]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  // Two iDRACs with the same factory issuer and serial, each with its own name; the admin's CA is trusted.
  auto factory_ca = pki.root("factory", {.subject = "/O=Dell Inc./OU=Remote Access Group/CN=iDRAC default certificate"});
  auto twin_a = pki.issue("twin-a", factory_ca, {.subject = "/CN=idrac-a.example.test", .serial = "01",
                                                 .extensions = {"subjectAltName=DNS:idrac-a.example.test",
                                                                "extendedKeyUsage=serverAuth"}});
  auto twin_b = pki.issue("twin-b", factory_ca, {.subject = "/CN=idrac-b.example.test", .serial = "01",
                                                 .extensions = {"subjectAltName=DNS:idrac-b.example.test",
                                                                "extendedKeyUsage=serverAuth"}});
  auto fleet_ca = pki.root("fleet", {.subject = "/CN=Example Fleet CA"});
  testing::Profile profile(dir / "profile");
  profile.add(factory_ca, "iDRAC default", "C,,");
  profile.add(fleet_ca, "Fleet CA", "C,,");
  profile.add(twin_a, "idrac-a", ",,");  // twin A's certificate, held by this profile

  const std::string host = "idrac-b.example.test";
  testing::TlsServer original({.cert = twin_b.cert, .key = twin_b.key});
  const std::string url = "https://" + host + ":" + std::to_string(original.port()) + "/";
  const std::string resolve = host + ":" + std::to_string(original.port()) + ":127.0.0.1";
  auto before = run_cli({"diagnose", url, "--profile", profile.dir().string(), "--resolve", resolve, "--json"},
                           dir.path());
  REQUIRE(before.exit_code == 0);
  const json diagnosed = json::parse(before.out);
  CHECK(diagnosed.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  // The diagnosis says what the device is and how to give it a certificate of its own.
  const json& dev = diagnosed.at("device");
  CHECK(dev.at("id") == "dell-idrac");
  CHECK(dev.at("vendor") == "Dell");
  CHECK(dev.at("collision") == "twins");
  CHECK(dev.at("upload") == "key_and_cert");
  CHECK(dev.at("serial_fact_confirmed") == true);
  CHECK(dev.at("reissue_command") == "certdoctor reissue '" + url + "'");
  CHECK(dev.at("upload_command") ==
        "racadm -r 'idrac-b.example.test' -u root sslkeyupload -t 1 -f './idrac-b.example.test.key.pem'\n"
        "racadm -r 'idrac-b.example.test' -u root sslcertupload -t 1 -f './idrac-b.example.test.cert.pem'");
  auto text = run_cli({"diagnose", url, "--profile", profile.dir().string(), "--resolve", resolve}, dir.path());
  CHECK(text.out.find("The device: Dell iDRAC") != std::string::npos);
  CHECK(text.out.find("two of them break each other in Firefox once one") != std::string::npos);
  CHECK(text.out.find("      certdoctor reissue '" + url + "'") != std::string::npos);
  CHECK(text.out.find("      racadm -r 'idrac-b.example.test' -u root sslcertupload") != std::string::npos);

  const fs::path out = dir / "out";
  fs::create_directory(out);
  auto made = run_cli({"reissue", url, "--resolve", resolve, "--ca", fleet_ca.cert.string(), "--ca-key",
                          fleet_ca.key.string(), "--out", out.string(), "--json"},
                         dir.path());
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  const json r = json::parse(made.out);
  CHECK(r.at("signer") == "ca");
  CHECK(r.at("names") == json::array({"DNS:idrac-b.example.test"}));
  CHECK(r.at("device").at("id") == "dell-idrac");
  CHECK(r.at("upload_command").get<std::string>().find("racadm -r 'idrac-b.example.test'") != std::string::npos);

  // The replacement, served where B was: certdoctor judges that Firefox loads it, twin A stored or not.
  testing::TlsServer replaced({.cert = reissue_file(out, host, "certificate"), .key = reissue_file(out, host, "key"),
                               .chain = reissue_file(out, host, "chain")});
  const std::string url2 = "https://" + host + ":" + std::to_string(replaced.port()) + "/";
  auto after = run_cli({"diagnose", url2, "--profile", profile.dir().string(), "--resolve",
                           host + ":" + std::to_string(replaced.port()) + ":127.0.0.1", "--json"},
                          dir.path());
  REQUIRE(after.exit_code == 0);
  const json d = json::parse(after.out);
  CHECK(d.at("firefox_error").is_null());
  CHECK(d.at("conflicts").empty());

  // The files are there now: a second run refuses, names the file, and changes nothing.
  const std::string cert_before = testing::read_file(reissue_file(out, host, "certificate"));
  auto again = run_cli({"reissue", url2, "--resolve", host + ":" + std::to_string(replaced.port()) + ":127.0.0.1",
                           "--out", out.string()},
                          dir.path());
  CHECK(again.exit_code != 0);
  CHECK(again.err.find("refusing to overwrite") != std::string::npos);
  CHECK(testing::read_file(reissue_file(out, host, "certificate")) == cert_before);

  // The readable form: the files, the device and its upload command; the PKCS#12 password from standard input.
  const fs::path out2 = dir / "out2";
  fs::create_directory(out2);
  auto made_text = run_cli({"reissue", url2, "--resolve", host + ":" + std::to_string(replaced.port()) + ":127.0.0.1",
                          "--out", out2.string(), "--pkcs12", "--password-file", "-"},
                         dir.path(), "pw from stdin\n");
  INFO(made_text.err);
  REQUIRE(made_text.exit_code == 0);
  CHECK(made_text.out.find("self-signed") != std::string::npos);
  CHECK(made_text.out.find((out2 / (host + ".p12")).string()) != std::string::npos);
  testing::write_file(dir / "pw", "pw from stdin\n");
  CHECK(testing::run({"openssl", "pkcs12", "-in", (out2 / (host + ".p12")).string(), "-passin",
                      "file:" + (dir / "pw").string(), "-nodes"})
            .exit_code == 0);
}

// The review's reproduction (issue 28): a device reached as https://127.0.0.1:PORT/ presents *.google.com,
// www.paypal.com and 8.8.8.8. The fetch is not authenticated, so none of that may end up in a certificate the
// admin's CA signs, nor the CSR's subject; the one-off CA is constrained to exactly the names it signs.
TEST_CASE("Reissue: a device presenting foreign names gets a certificate for the URL's host only", "[reissue][cli][security]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto evil = pki.device("evil", {.subject = "/CN=login.bank.example/O=Evil",
                                  .extensions = {"subjectAltName=DNS:*.google.com,DNS:www.paypal.com,IP:8.8.8.8,IP:127.0.0.1",
                                                 "extendedKeyUsage=serverAuth"}});
  auto fleet = pki.root("fleet", {.subject = "/CN=Fleet CA"});
  testing::TlsServer device({.cert = evil.cert, .key = evil.key});
  const std::string url = "https://127.0.0.1:" + std::to_string(device.port()) + "/";

  const fs::path out = dir / "out";
  fs::create_directory(out);
  auto made = run_cli({"reissue", url, "--ca", fleet.cert.string(), "--ca-key", fleet.key.string(), "--out",
                       out.string(), "--json", "--accept-served-names"}, dir.path());
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  const json r = json::parse(made.out);
  CHECK(r.at("names") == json::array({"IP:127.0.0.1"}));
  CHECK(r.at("served_names") == json::array({"DNS:*.google.com", "DNS:www.paypal.com", "IP:8.8.8.8", "IP:127.0.0.1"}));
  const std::string skipped = r.at("skipped_names").dump();
  CHECK_THAT(skipped, Catch::Contains("DNS:*.google.com: a wildcard"));
  CHECK_THAT(skipped, Catch::Contains("DNS:www.paypal.com: outside 127.0.0.1"));
  CHECK_THAT(skipped, Catch::Contains("IP:8.8.8.8: an address the device serves"));
  // The names were shown before the signing (standard error), and the certificate holds nothing else.
  CHECK_THAT(made.err, Catch::Contains("the certificate will name: IP:127.0.0.1"));
  const std::string text = text_of(reissue_file(out, "127.0.0.1", "certificate"));
  CHECK(text.find("google") == std::string::npos);
  CHECK(text.find("paypal") == std::string::npos);
  CHECK(text.find("8.8.8.8") == std::string::npos);

  // With a CSR and no CA: the subject is the host's, the one-off CA permits the address 127.0.0.1 alone.
  testing::run_ok({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                   (dir / "dev.key").string(), "-subj", "/CN=login.bank.example/O=Evil", "-out", (dir / "dev.csr").string()});
  const fs::path alone = dir / "alone";
  fs::create_directory(alone);
  auto signed_csr = run_cli({"reissue", url, "--csr", (dir / "dev.csr").string(), "--out", alone.string(), "--json"},
                            dir.path());
  INFO(signed_csr.err);
  REQUIRE(signed_csr.exit_code == 0);
  const fs::path cert = reissue_file(alone, "127.0.0.1", "certificate");
  const fs::path ca = reissue_file(alone, "127.0.0.1", "ca");
  const std::string cert_text = text_of(cert);
  CHECK(cert_text.find("bank") == std::string::npos);
  const std::string ca_text = text_of(ca);
  CHECK(ca_text.find("pathlen:0") != std::string::npos);
  CHECK(ca_text.find("IP:127.0.0.1/255.255.255.255") != std::string::npos);
  // An address alone: no DNS name may be signed (the empty DNS name excluded), and the certificate has no common
  // name that OpenSSL would hold against that; its subjectAltName is critical, as an empty subject needs.
  CHECK_THAT(ca_text, Catch::Contains("Excluded:\n                  DNS:\n"));
  CHECK(cert_text.find("Subject: \n") != std::string::npos);
  CHECK_THAT(cert_text, Catch::Contains("X509v3 Subject Alternative Name: critical\n                IP Address:127.0.0.1\n"));
  {
    auto v = openssl_verify(ca, cert);
    INFO(v.out << v.err);
    CHECK(v.exit_code == 0);
  }
  check_constraints_hold(pki, ca, "ip", {"IP:127.0.0.1"},
                         {"DNS:www.paypal.com", "DNS:*.google.com", "DNS:localhost.localdomain", "IP:8.8.8.8",
                          "IP:127.0.0.2", "IP:::1", "IP:127.0.0.1,DNS:www.paypal.com"});

  // Names the admin gives one by one are used, wildcards included: the admin said so.
  const fs::path given = dir / "given";
  fs::create_directory(given);
  auto named = run_cli({"reissue", url, "--name", "*.lab.example", "--name", "10.0.0.9", "--out", given.string(), "--json",
                        "--csr", (dir / "dev.csr").string()}, dir.path());
  INFO(named.err);
  REQUIRE(named.exit_code == 0);
  CHECK(json::parse(named.out).at("names") == json::array({"DNS:*.lab.example", "IP:127.0.0.1", "IP:10.0.0.9"}));
  CHECK(openssl_verify(reissue_file(given, "127.0.0.1", "ca"), reissue_file(given, "127.0.0.1", "certificate")).exit_code == 0);
  // (A wildcard the admin gave permits its base and every name below it: a name constraint cannot say "one
  // label".)
  check_constraints_hold(pki, reissue_file(given, "127.0.0.1", "ca"), "given",
                         {"DNS:a.lab.example,IP:127.0.0.1", "DNS:b.lab.example,IP:10.0.0.9"},
                         {"DNS:www.paypal.com", "DNS:example", "IP:10.0.0.8", "IP:::1"});

  // A DNS name alone: no address may be signed (0.0.0.0/0 and ::/0 excluded), nor a name below it.
  const fs::path by_name = dir / "by-name";
  fs::create_directory(by_name);
  const std::string port = std::to_string(device.port());
  auto dns_only = run_cli({"reissue", "https://nas.example.test:" + port + "/", "--resolve",
                           "nas.example.test:" + port + ":127.0.0.1", "--csr", (dir / "dev.csr").string(), "--out",
                           by_name.string(), "--json"}, dir.path());
  INFO(dns_only.err);
  REQUIRE(dns_only.exit_code == 0);
  CHECK(json::parse(dns_only.out).at("names") == json::array({"DNS:nas.example.test"}));
  const fs::path dns_ca = reissue_file(by_name, "nas.example.test", "ca");
  CHECK_THAT(text_of(reissue_file(by_name, "nas.example.test", "certificate")), Catch::Contains("Subject: CN = nas.example.test\n"));
  CHECK(openssl_verify(dns_ca, reissue_file(by_name, "nas.example.test", "certificate")).exit_code == 0);
  check_constraints_hold(pki, dns_ca, "dns", {"DNS:nas.example.test"},
                         {"DNS:www.nas.example.test", "DNS:example.test", "DNS:www.paypal.com", "IP:127.0.0.1",
                          "IP:::1", "DNS:nas.example.test,IP:8.8.8.8"});
}

TEST_CASE("Reissue: served names inside the URL host's registrable domain only with --accept-served-names",
          "[reissue][security]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto served = pki.device("served", {.subject = "/CN=nas",
                                      .extensions = {"subjectAltName=DNS:nas-mgmt.corp.example,DNS:nas.other.example,"
                                                     "DNS:*.corp.example,DNS:nas.corp.example"}});
  ReissueRequest plain{.host = "nas.corp.example", .served_der = served.der(), .out_dir = dir / "a"};
  fs::create_directory(dir / "a");
  CHECK(reissue(plain).names == std::vector<std::string>{"DNS:nas.corp.example"});
  ReissueRequest accepting{.host = "nas.corp.example", .served_der = served.der(), .accept_served_names = true,
                           .out_dir = dir / "b"};
  fs::create_directory(dir / "b");
  const ReissueResult r = reissue(accepting);
  CHECK(r.names == std::vector<std::string>{"DNS:nas.corp.example", "DNS:nas-mgmt.corp.example"});
  const std::string skipped = json(r.skipped).dump();
  CHECK_THAT(skipped, Catch::Contains("DNS:nas.other.example: outside corp.example"));
  CHECK_THAT(skipped, Catch::Contains("DNS:*.corp.example: a wildcard"));
  // A name the admin gives that is not a name at all is refused before anything is made.
  ReissueRequest bad{.host = "nas.corp.example", .names = {"bad name"}, .out_dir = dir / "c"};
  fs::create_directory(dir / "c");
  CHECK_THAT(error_code_of(bad), Catch::StartsWith("invalid_field"));
  CHECK(fs::is_empty(dir / "c"));
}
