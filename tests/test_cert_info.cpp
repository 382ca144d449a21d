#include <catch2/catch.hpp>

#include "certificate/cert_info.hpp"
#include "forge.hpp"
#include "diagnosis/diagnosis_json.hpp"
#include "pki.hpp"
#include "process.hpp"

using namespace certdoctor;
using testing::CertSpec;

TEST_CASE("Describe: identity fields in the contract's formats", "[cert_info]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto root = pki.root("root", {.subject = "/C=DE/O=Example, Inc./CN=Example Root", .serial = "00ff01"});
  auto d = to_json(describe_certificate(root.der()));
  CHECK(d.at("sha256") == root.sha256());
  CHECK(d.at("serial") == "00ff01");  // the INTEGER's content octets: the leading 00 is part of it
  CHECK(d.at("subject") == "CN=Example Root,O=Example\\, Inc.,C=DE");  // RFC 4514: reversed, commas escaped
  CHECK(d.at("issuer") == d.at("subject"));
  CHECK(d.at("self_issued") == true);
  CHECK(d.at("version") == 3);
  // ISO-8601 UTC, and the same instants openssl prints
  std::string enddate = testing::run_ok({"openssl", "x509", "-in", root.cert.string(), "-noout", "-enddate", "-dateopt", "iso_8601"});
  std::string iso = d.at("not_after");
  REQUIRE(iso.size() == 20);
  CHECK(iso.back() == 'Z');
  CHECK(enddate.find(iso.substr(0, 10) + " " + iso.substr(11, 8)) != std::string::npos);
  CHECK(d.at("basic_constraints").at("ca") == true);
  CHECK(d.at("basic_constraints").at("critical") == true);
  CHECK(d.at("key_usage").at("usages") == nlohmann::json{"keyCertSign", "cRLSign"});
  CHECK(d.at("public_key").at("type") == "RSA");
  CHECK(d.at("public_key").at("bits") == 2048);
  CHECK(d.at("signature_algorithm") == "sha256WithRSAEncryption");
}

TEST_CASE("Describe: extensions an admin needs, with criticality", "[cert_info]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto root = pki.root("root", {.subject = "/CN=Root"});
  auto ca = pki.issue("ca", root,
                      {.subject = "/CN=Issuing CA",
                       .extensions = {"basicConstraints=critical,CA:TRUE,pathlen:0",
                                      "keyUsage=critical,keyCertSign",
                                      "nameConstraints=critical,permitted;DNS:.corp.test,excluded;IP:10.0.0.0/255.0.0.0",
                                      "authorityInfoAccess=caIssuers;URI:http://pki.test/root.cer,OCSP;URI:http://ocsp.test/"}},
                      true);
  auto leaf = pki.issue("leaf", ca,
                        {.subject = "/CN=www.corp.test",
                         .extensions = {"subjectAltName=DNS:www.corp.test,IP:192.0.2.1,IP:2001:db8::5,email:a@corp.test",
                                        "extendedKeyUsage=serverAuth,clientAuth", "keyUsage=digitalSignature",
                                        "1.2.3.4.5=critical,ASN1:UTF8String:custom"},
                         .key = "ec:prime256v1"});
  auto c = to_json(describe_certificate(ca.der()));
  CHECK(c.at("basic_constraints").at("path_len") == 0);
  CHECK(c.at("name_constraints").at("critical") == true);
  CHECK(c.at("name_constraints").at("permitted").at(0) == nlohmann::json{{"type", "dns"}, {"value", ".corp.test"}});
  CHECK(c.at("name_constraints").at("excluded").at(0).at("type") == "ip");
  CHECK(c.at("authority_info_access").at("ca_issuers") == nlohmann::json{"http://pki.test/root.cer"});
  CHECK(c.at("authority_info_access").at("ocsp") == nlohmann::json{"http://ocsp.test/"});

  auto l = to_json(describe_certificate(leaf.der()));
  CHECK(l.at("public_key").at("type") == "EC");
  CHECK(l.at("public_key").at("curve") == "prime256v1");
  CHECK(l.at("signature_algorithm") == "sha256WithRSAEncryption");
  CHECK(l.at("subject_alt_names") == nlohmann::json::parse(R"([
    {"type":"dns","value":"www.corp.test"}, {"type":"ip","value":"192.0.2.1"},
    {"type":"ip","value":"2001:db8::5"}, {"type":"email","value":"a@corp.test"}])"));
  CHECK(l.at("extended_key_usage").at("purposes") == nlohmann::json{"serverAuth", "clientAuth"});
  CHECK(l.at("extended_key_usage").at("critical") == false);
  bool found_custom = false;
  for (const auto& e : l.at("extensions")) {
    if (e.at("oid") == "1.2.3.4.5") {
      found_custom = true;
      CHECK(e.at("critical") == true);
    }
  }
  CHECK(found_custom);
  CHECK_FALSE(l.contains("basic_constraints"));
}

TEST_CASE("Describe: bytes that are not a certificate are described, not thrown on", "[cert_info]") {
  auto d = to_json(describe_certificate("\x30\x03\x02\x01\x01"));
  CHECK(d.contains("parse_error"));
  CHECK(d.at("der_length") == 5);
  CHECK(d.at("sha256").get<std::string>().size() == 64);
  CHECK(to_json(describe_certificate("")).contains("parse_error"));
}

TEST_CASE("Describe: the signature algorithm read from the outline alone is the one describe gives", "[cert_info]") {
  namespace forge = testing::forge;
  struct Kind {
    const char* key;
    const char* md;
    const char* name;
  };
  for (const Kind k : {Kind{"rsa2048", "sha256", "sha256WithRSAEncryption"}, Kind{"rsa2048", "sha1", "sha1WithRSAEncryption"},
                       Kind{"ec:P-384", "sha384", "ecdsa-with-SHA384"}, Kind{"ec:P-256", "sha256", "ecdsa-with-SHA256"}}) {
    INFO(k.name);
    const std::string der = forge::make({.cn = "device.test", .key = k.key, .md = k.md}, nullptr).der();
    CHECK(describe_certificate(der).signature_algorithm == k.name);
    CHECK(signature_algorithm_name(der) == k.name);
  }
  CHECK(signature_algorithm_name("\x30\x03\x02\x01\x01") == "");
}
