// Writes tests/truth/cases.json: certdoctor's own ground-truth cases, one or more per row of the error table that
// real certificates can produce, in two shapes where that applies (leaf and intermediate, RSA and EC), plus valid
// chains and the reused-serial family. Certificates get fixed dates (expired: 2020, not yet valid: 2090, valid:
// until 2099) so the recorded truth stays true. Run it only to change the cases, then re-take the truth:
//   build/bin/truth_cases tests/truth/cases.json && node tests/browser/truth.mjs record
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>

#include "forge.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
using namespace testing::forge;

const std::vector<std::string> kCa = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign",
                                      "subjectKeyIdentifier=hash"};
std::vector<std::string> ca_ext(std::vector<std::string> extra = {}) {
  auto e = kCa;  // no authorityKeyIdentifier: Firefox ignores it, and some issuers here have no key id
  e.insert(e.end(), extra.begin(), extra.end());
  return e;
}
std::vector<std::string> leaf_ext(const std::string& host, std::vector<std::string> extra = {}) {
  std::vector<std::string> e = {"basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                                "extendedKeyUsage=serverAuth", "subjectAltName=DNS:" + host};
  e.insert(e.end(), extra.begin(), extra.end());
  return e;
}

struct Stored {
  const Cert* cert;
  std::string trust;
  std::string nickname;
};

json make_case(const std::string& id, const std::string& description, const std::string& host,
               const std::vector<const Cert*>& chain, const std::vector<Stored>& stored, json overrides = json::array()) {
  json c = {{"id", "own:" + id}, {"description", description}, {"host", host}, {"key", chain[0]->key_pem()}};
  c["chain"] = json::array();
  for (const Cert* x : chain) c["chain"].push_back(x->pem());
  c["stored"] = json::array();
  for (const auto& s : stored) c["stored"].push_back({{"pem", s.cert->pem()}, {"trust", s.trust}, {"nickname", s.nickname}});
  if (!overrides.empty()) c["overrides"] = overrides;
  return c;
}

std::string sha256_colons(const Cert& c) {
  unsigned char md[32];
  unsigned int n = 0;
  X509_digest(c.x509.get(), EVP_sha256(), md, &n);
  std::string out;
  char b[4];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, i ? ":%02X" : "%02X", md[i]);
    out += b;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::cerr << "usage: truth_cases OUTPUT.json\n";
    return 2;
  }
  json cases = json::array();
  auto add = [&](json c) { cases.push_back(std::move(c)); };
  const std::string h = "site.test";

  // Two hierarchies: RSA and EC, each root -> intermediate.
  for (const std::string kind : {"rsa", "ec"}) {
    const std::string k = kind == "rsa" ? "rsa2048" : "ec:P-256";
    const std::string p = kind + "-";
    Cert root = make({.cn = "Truth Root " + kind, .ext = kCa, .key = k}, nullptr);
    Cert inter = make({.cn = "Truth Intermediate " + kind, .ext = ca_ext(), .key = k}, &root);
    const Stored trusted{&root, "C,,", "truth root"};
    auto leaf = [&](Spec s) {
      if (s.ext.empty()) s.ext = leaf_ext(s.cn.empty() ? h : s.cn);
      if (s.cn.empty()) s.cn = h;
      if (s.key == "rsa2048") s.key = k;
      return s;
    };
    Cert good = make(leaf({}), &inter);
    add(make_case(p + "valid", "root -> intermediate -> leaf, all served but the root", h, {&good, &inter}, {trusted}));
    add(make_case(p + "missing-intermediate", "the server does not send its intermediate", h, {&good}, {trusted}));
    add(make_case(p + "untrusted-root", "nothing in the profile trusts the root", h, {&good, &inter}, {}));
    Cert self = make({.cn = h, .ext = {"basicConstraints=critical,CA:TRUE", "subjectAltName=DNS:" + h}, .key = k}, nullptr);
    add(make_case(p + "self-signed-ca", "a device's self-signed certificate made as a CA", h, {&self}, {}));
    Cert self_ee = make({.cn = h, .ext = {"basicConstraints=CA:FALSE", "subjectAltName=DNS:" + h}, .key = k}, nullptr);
    add(make_case(p + "self-signed-ee", "a self-signed end-entity certificate", h, {&self_ee}, {}));
    add(make_case(p + "self-signed-exception", "a self-signed certificate covered by an exception", h, {&self_ee}, {},
                  json::array({{{"host", h}, {"port", "PORT"}, {"fingerprint", sha256_colons(self_ee)}}})));
    add(make_case(p + "self-signed-stale-exception", "an exception for another certificate of the same host", h,
                  {&self_ee}, {}, json::array({{{"host", h}, {"port", "PORT"}, {"fingerprint", sha256_colons(self)}}})));
    Cert expired = make(leaf({.from = utc(2019, 1, 1), .to = utc(2020, 1, 1)}), &inter);
    add(make_case(p + "expired-leaf", "the leaf expired in 2020", h, {&expired, &inter}, {trusted}));
    Cert expired_wrong = make(leaf({.cn = "other.test", .from = utc(2019, 1, 1), .to = utc(2020, 1, 1)}), &inter);
    add(make_case(p + "expired-leaf-wrong-name", "an expired leaf for another name", h, {&expired_wrong, &inter}, {trusted}));
    Cert future = make(leaf({.from = utc(2090, 1, 1), .to = utc(2095, 1, 1)}), &inter);
    add(make_case(p + "not-yet-valid-leaf", "the leaf is valid from 2090", h, {&future, &inter}, {trusted}));
    Cert old_inter = make({.cn = "Truth Intermediate " + kind, .ext = ca_ext(), .key = k, .from = utc(2019, 1, 1), .to = utc(2020, 1, 1)}, &root);
    Cert under_old = make(leaf({}), &old_inter);
    add(make_case(p + "expired-intermediate", "the intermediate expired in 2020", h, {&under_old, &old_inter}, {trusted}));
    Cert new_inter = make({.cn = "Truth Intermediate " + kind, .ext = ca_ext(), .key = k, .from = utc(2090, 1, 1), .to = utc(2095, 1, 1)}, &root);
    Cert under_new = make(leaf({}), &new_inter);
    add(make_case(p + "not-yet-valid-intermediate", "the intermediate is valid from 2090", h, {&under_new, &new_inter}, {trusted}));
    Cert other = make(leaf({.cn = "other.test"}), &inter);
    add(make_case(p + "wrong-name", "the leaf names other.test only", h, {&other, &inter}, {trusted}));
    Cert cn_only = make(leaf({.ext = {"basicConstraints=CA:FALSE", "extendedKeyUsage=serverAuth"}}), &inter);
    add(make_case(p + "cn-only", "the host name is only in the subject's common name", h, {&cn_only, &inter}, {trusted}));
    Cert wildcard = make(leaf({.ext = leaf_ext("*.example.test")}), &inter);
    add(make_case(p + "wildcard", "*.example.test visited as a.example.test", "a.example.test", {&wildcard, &inter}, {trusted}));
    Cert ca_leaf = make(leaf({.ext = {"basicConstraints=critical,CA:TRUE", "subjectAltName=DNS:" + h}}), &inter);
    add(make_case(p + "ca-as-leaf", "a CA certificate used as the server's", h, {&ca_leaf, &inter}, {trusted}));
    Cert sha1_leaf = make(leaf({.md = "sha1"}), &inter);
    add(make_case(p + "sha1-leaf", "the leaf is signed with SHA-1", h, {&sha1_leaf, &inter}, {trusted}));
    Cert sha1_inter = make({.cn = "Truth SHA1 Intermediate " + kind, .ext = ca_ext(), .key = k, .md = "sha1"}, &root);
    Cert under_sha1 = make(leaf({}), &sha1_inter);
    add(make_case(p + "sha1-intermediate", "the intermediate is signed with SHA-1", h, {&under_sha1, &sha1_inter}, {trusted}));
    Cert bad_ku = make(leaf({.ext = {"basicConstraints=CA:FALSE", "keyUsage=critical,nonRepudiation",
                                     "extendedKeyUsage=serverAuth", "subjectAltName=DNS:" + h}}), &inter);
    add(make_case(p + "leaf-key-usage", "the leaf's key usage is nonRepudiation only", h, {&bad_ku, &inter}, {trusted}));
    Cert ku_inter = make({.cn = "Truth NoCertSign " + kind, .ext = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature"}, .key = k}, &root);
    Cert under_ku = make(leaf({}), &ku_inter);
    add(make_case(p + "intermediate-key-usage", "the intermediate may not sign certificates", h, {&under_ku, &ku_inter}, {trusted}));
    Cert client = make(leaf({.ext = {"basicConstraints=CA:FALSE", "extendedKeyUsage=clientAuth", "subjectAltName=DNS:" + h}}), &inter);
    add(make_case(p + "leaf-eku", "the leaf is for client authentication", h, {&client, &inter}, {trusted}));
    Cert eku_inter = make({.cn = "Truth Email CA " + kind, .ext = ca_ext({"extendedKeyUsage=emailProtection"}), .key = k}, &root);
    Cert under_eku = make(leaf({}), &eku_inter);
    add(make_case(p + "intermediate-eku", "the intermediate is restricted to e-mail", h, {&under_eku, &eku_inter}, {trusted}));
    Cert not_ca = make({.cn = "Truth Not A CA " + kind, .ext = {"basicConstraints=CA:FALSE", "subjectKeyIdentifier=hash"}, .key = k}, &root);
    Cert under_not_ca = make(leaf({}), &not_ca);
    add(make_case(p + "intermediate-not-ca", "the intermediate is not a CA", h, {&under_not_ca, &not_ca}, {trusted}));
    Cert pl_root = make({.cn = "Truth PathLen Root " + kind, .ext = {"basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign", "subjectKeyIdentifier=hash"}, .key = k}, nullptr);
    Cert pl_a = make({.cn = "Truth PathLen A " + kind, .ext = ca_ext(), .key = k}, &pl_root);
    Cert pl_b = make({.cn = "Truth PathLen B " + kind, .ext = ca_ext(), .key = k}, &pl_a);
    Cert under_pl = make(leaf({}), &pl_b);
    add(make_case(p + "path-length", "a root with pathlen 0 above two intermediates", h, {&under_pl, &pl_b, &pl_a},
                  {{&pl_root, "C,,", "pathlen root"}}));
    Cert nc_inter = make({.cn = "Truth Constrained " + kind, .ext = ca_ext({"nameConstraints=critical,permitted;DNS:corp.test"}), .key = k}, &root);
    Cert under_nc = make(leaf({}), &nc_inter);
    add(make_case(p + "name-constraints", "an intermediate constrained to corp.test issued site.test", h, {&under_nc, &nc_inter}, {trusted}));
    Cert crit = make(leaf({.ext = leaf_ext(h, {"1.3.6.1.4.1.55555.1=critical,DER:05:00"})}), &inter);
    add(make_case(p + "unknown-critical-leaf", "the leaf has an unknown critical extension", h, {&crit, &inter}, {trusted}));
    Cert crit_inter = make({.cn = "Truth Critical " + kind, .ext = ca_ext({"1.3.6.1.4.1.55555.1=critical,DER:05:00"}), .key = k}, &root);
    Cert under_crit = make(leaf({}), &crit_inter);
    add(make_case(p + "unknown-critical-intermediate", "the intermediate has an unknown critical extension", h, {&under_crit, &crit_inter}, {trusted}));
    add(make_case(p + "distrusted-root", "the root is stored but distrusted", h, {&good, &inter}, {{&root, "p,,", "truth root"}}));
    add(make_case(p + "distrusted-leaf", "the leaf itself is stored as distrusted", h, {&good, &inter}, {trusted, {&good, "p,,", "distrusted leaf"}}));
    Cert v1 = make({.cn = "Truth V1 CA " + kind, .key = k, .v1 = true}, &root);
    Cert under_v1 = make(leaf({}), &v1);
    add(make_case(p + "v1-intermediate", "the intermediate is a version 1 certificate", h, {&under_v1, &v1}, {trusted}));
    Cert staple = make(leaf({.ext = leaf_ext(h, {"tlsfeature=status_request"})}), &inter);
    add(make_case(p + "must-staple", "the leaf demands OCSP stapling", h, {&staple, &inter}, {trusted}));
    // The reused-serial family
    Cert old_leaf = make(leaf({.serial = "1001"}), &inter);
    Cert new_leaf = make(leaf({.serial = "1001"}), &inter);
    add(make_case(p + "stale-copy", "the profile stores the leaf's old copy (same issuer and serial)", h, {&new_leaf, &inter},
                  {trusted, {&old_leaf, ",,", "old site cert"}}));
    Cert old_i = make({.cn = "Truth Intermediate " + kind, .ext = ca_ext(), .key = k, .serial = "2002"}, &root);
    Cert new_i = make({.cn = "Truth Intermediate " + kind, .ext = ca_ext(), .key = k, .serial = "2002"}, &root);
    Cert under_new_i = make(leaf({}), &new_i);
    add(make_case(p + "stale-intermediate", "the profile stores an old intermediate with the served one's serial", h,
                  {&under_new_i, &new_i}, {trusted, {&old_i, ",,", "old intermediate"}}));
    Cert remade_root = make({.cn = "Truth Root " + kind, .ext = kCa, .key = k, .serial = "3003"}, nullptr);
    Cert old_root = make({.cn = "Truth Root " + kind, .ext = kCa, .key = k, .serial = "3003"}, nullptr);
    Cert remade_inter = make({.cn = "Truth Remade Intermediate " + kind, .ext = ca_ext(), .key = k}, &remade_root);
    Cert under_remade = make(leaf({}), &remade_inter);
    add(make_case(p + "remade-root", "the CA was re-made under its old name and serial; the profile trusts the old root", h,
                  {&under_remade, &remade_inter}, {{&old_root, "C,,", "old root"}}));
    Cert dev_a = make({.cn = "device", .ext = {"basicConstraints=CA:FALSE", "subjectAltName=DNS:" + h}, .key = k, .serial = "01"}, nullptr);
    Cert dev_b = make({.cn = "device", .ext = {"basicConstraints=CA:FALSE", "subjectAltName=DNS:other.test"}, .key = k, .serial = "01"}, nullptr);
    add(make_case(p + "device-twin", "another device's factory certificate with the same issuer and serial is stored", h,
                  {&dev_a}, {{&dev_b, ",,", "other device"}}));
  }
  // Keys Firefox refuses, RSA only.
  {
    Cert root = make({.cn = "Truth Root keys", .ext = kCa}, nullptr);
    const Stored trusted{&root, "C,,", "truth root"};
    Cert rsa1024 = make({.cn = h, .ext = leaf_ext(h), .key = "rsa1024"}, &root);
    add(make_case("rsa1024-leaf", "a 1024-bit RSA leaf under a root the user added", h, {&rsa1024}, {trusted}));
    Cert rsa768 = make({.cn = h, .ext = leaf_ext(h), .key = "rsa768"}, &root);
    add(make_case("rsa768-leaf", "a 768-bit RSA leaf", h, {&rsa768}, {trusted}));
    Cert small_inter = make({.cn = "Truth Small Intermediate", .ext = ca_ext(), .key = "rsa768"}, &root);
    Cert under_small = make({.cn = h, .ext = leaf_ext(h)}, &small_inter);
    add(make_case("rsa768-intermediate", "a 768-bit RSA intermediate", h, {&under_small, &small_inter}, {trusted}));
    Cert k1 = make({.cn = h, .ext = leaf_ext(h), .key = "ec:secp256k1"}, &root);
    add(make_case("secp256k1-leaf", "the leaf's key is on secp256k1", h, {&k1}, {trusted}));
    Cert k1_inter = make({.cn = "Truth K1 Intermediate", .ext = ca_ext(), .key = "ec:secp256k1"}, &root);
    Cert under_k1 = make({.cn = h, .ext = leaf_ext(h)}, &k1_inter);
    add(make_case("secp256k1-intermediate", "the intermediate's key is on secp256k1", h, {&under_k1, &k1_inter}, {trusted}));
    Cert dsa_inter = make({.cn = "Truth DSA Intermediate", .ext = ca_ext(), .key = "dsa"}, &root);
    Cert under_dsa = make({.cn = h, .ext = leaf_ext(h)}, &dsa_inter);
    add(make_case("dsa-intermediate", "the intermediate has a DSA key", h, {&under_dsa, &dsa_inter}, {trusted}));
    Cert p384 = make({.cn = h, .ext = leaf_ext(h), .key = "ec:P-384", .md = "sha384"}, &root);
    add(make_case("p384-leaf", "a P-384 leaf under an RSA root", h, {&p384}, {trusted}));
  }
  std::ofstream(argv[1]) << json{{"note", "Generated by tests/truth/make_cases.cpp; see its header."}, {"cases", cases}}.dump(1) << "\n";
  std::cerr << "wrote " << cases.size() << " cases to " << argv[1] << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "truth_cases: " << e.what() << "\n";
  return 1;
}
