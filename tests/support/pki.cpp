#include "pki.hpp"

#include <openssl/evp.h>

#include <random>

#include "process.hpp"

namespace fs = std::filesystem;

namespace testing {
namespace {

std::string random_serial() {
  std::random_device rd;
  std::uniform_int_distribution<unsigned long long> d;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", d(rd) & 0x7fffffffffffffffULL);  // positive, 63 bits
  return buf;
}


}  // namespace

std::string Issued::der() const {
  return run_ok({"openssl", "x509", "-in", cert.string(), "-outform", "DER"});
}

std::string Issued::sha256() const {
  std::string d = der();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(d.data(), d.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

fs::path Pki::write_config(const std::string& name, const std::vector<std::string>& ext) {
  std::string cfg = "[req]\ndistinguished_name = dn\nutf8 = yes\nstring_mask = utf8only\n[dn]\n[ext]\n";
  for (const auto& line : ext) cfg += line + "\n";
  fs::path p = dir_ / (name + ".cnf");
  write_file(p, cfg);
  return p;
}

std::vector<std::string> Pki::key_args(const CertSpec& spec, const fs::path& key_out) {
  std::vector<std::string> a = {"-nodes", "-keyout", key_out.string()};
  if (spec.key.starts_with("ec:")) {
    a.insert(a.end(), {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + spec.key.substr(3)});
  } else {
    a.insert(a.end(), {"-newkey", spec.key});
  }
  return a;
}

Issued Pki::root(const std::string& name, CertSpec spec) {
  if (spec.extensions.empty()) {
    spec.extensions = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign",
                       "subjectKeyIdentifier=hash"};
  }
  return device(name, spec);
}

Issued Pki::device(const std::string& name, CertSpec spec) {
  if (spec.extensions.empty()) spec.extensions = {"subjectAltName=DNS:" + spec.subject.substr(spec.subject.rfind('=') + 1)};
  Issued out{dir_ / (name + ".pem"), dir_ / (name + ".key")};
  fs::path cfg = write_config(name, spec.extensions);
  std::vector<std::string> cmd = {"openssl", "req", "-x509", "-new", "-config", cfg.string(), "-extensions", "ext",
                                  "-subj", spec.subject, "-days", std::to_string(spec.days), "-set_serial",
                                  "0x" + (spec.serial.empty() ? random_serial() : spec.serial), "-out",
                                  out.cert.string()};
  auto k = key_args(spec, out.key);
  cmd.insert(cmd.end(), k.begin(), k.end());
  run_ok(cmd);
  return out;
}

Issued Pki::issue(const std::string& name, const Issued& issuer, CertSpec spec, bool ca) {
  if (spec.extensions.empty()) {
    if (ca) {
      spec.extensions = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign",
                         "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"};
    } else {
      spec.extensions = {"basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                         "extendedKeyUsage=serverAuth",
                         "subjectAltName=DNS:" + spec.subject.substr(spec.subject.rfind('=') + 1)};
    }
  }
  Issued out{dir_ / (name + ".pem"), dir_ / (name + ".key")};
  fs::path cfg = write_config(name, spec.extensions);
  fs::path csr = dir_ / (name + ".csr");
  std::vector<std::string> req = {"openssl", "req", "-new", "-config", cfg.string(), "-subj", spec.subject,
                                  "-out", csr.string()};
  auto k = key_args(spec, out.key);
  req.insert(req.end(), k.begin(), k.end());
  run_ok(req);
  run_ok({"openssl", "x509", "-req", "-in", csr.string(), "-CA", issuer.cert.string(), "-CAkey",
          issuer.key.string(), "-set_serial", "0x" + (spec.serial.empty() ? random_serial() : spec.serial),
          "-days", std::to_string(spec.days), "-extfile", cfg.string(), "-extensions", "ext", "-out",
          out.cert.string()});
  return out;
}

fs::path Pki::bundle(const std::string& name, const std::vector<Issued>& certs) {
  std::string all;
  for (const auto& c : certs) all += read_file(c.cert);
  fs::path p = dir_ / name;
  write_file(p, all);
  return p;
}

}  // namespace testing
