#include "audit/trust_set.hpp"

#include <openssl/evp.h>
#include <pkcs11.h>
#include <pkcs11n.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "audit/scan_input.hpp"
#include "certificate/cert_info.hpp"
#include "firefox/firefox_trust.hpp"

namespace certdoctor::audit {
namespace fs = std::filesystem;

namespace {

template <class T>
std::string raw(T value) {
  return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

// A CA certificate as NSS stores an imported, trusted CA (certutil -A -t "C,,"): the certificate object, and
// its trust object trusted to issue server certificates.
NssStore::Snapshot trusted_ca(const std::string& der, const std::string& label) {
  auto keys = cert_keys(der);
  if (!keys) throw std::runtime_error(label + " is not a certificate");
  NssStore::Snapshot s;
  s.certificate = {{CKA_CLASS, raw<CK_ULONG>(CKO_CERTIFICATE)},
                   {CKA_TOKEN, raw<CK_BBOOL>(CK_TRUE)},
                   {CKA_CERTIFICATE_TYPE, raw<CK_ULONG>(CKC_X_509)},
                   {CKA_LABEL, label},
                   {CKA_VALUE, der},
                   {CKA_ISSUER, keys->issuer_der},
                   {CKA_SUBJECT, keys->subject_der},
                   {CKA_SERIAL_NUMBER, keys->serial_der}};
  s.trust = {RawAttributes{{CKA_CLASS, raw<CK_ULONG>(CKO_NSS_TRUST)},
                          {CKA_TOKEN, raw<CK_BBOOL>(CK_TRUE)},
                          {CKA_LABEL, label},
                          {CKA_ISSUER, keys->issuer_der},
                          {CKA_SERIAL_NUMBER, keys->serial_der},
                          {CKA_CERT_SHA1_HASH, digest(EVP_sha1(), der)},
                          {CKA_CERT_MD5_HASH, digest(EVP_md5(), der)},
                          {CKA_TRUST_SERVER_AUTH, raw<CK_ULONG>(CKT_NSS_TRUSTED_DELEGATOR)},
                          {CKA_TRUST_CLIENT_AUTH, raw<CK_ULONG>(CKT_NSS_MUST_VERIFY_TRUST)},
                          {CKA_TRUST_EMAIL_PROTECTION, raw<CK_ULONG>(CKT_NSS_MUST_VERIFY_TRUST)},
                          {CKA_TRUST_CODE_SIGNING, raw<CK_ULONG>(CKT_NSS_MUST_VERIFY_TRUST)},
                          {CKA_TRUST_STEP_UP_APPROVED, raw<CK_BBOOL>(CK_FALSE)}}};
  return s;
}

}  // namespace

TrustSet::~TrustSet() {
  profile_.reset();  // close the database before its folder goes
  if (temp_dir_) {
    std::error_code ec;
    fs::remove_all(*temp_dir_, ec);
  }
}

TrustSet TrustSet::open(const std::optional<fs::path>& profile, const std::vector<fs::path>& trusted_pems) {
  TrustSet t;
  if (profile) {
    t.profile_ = NssStore::open(*profile, NssStore::Access::read);
    t.description_ = "the profile " + profile->string() + " and the built-in roots";
  } else if (!trusted_pems.empty()) {
    // Read every file first, so that a bad one is named before anything is created.
    std::vector<std::pair<std::string, std::string>> cas;  // DER, label
    for (const auto& file : trusted_pems) {
      std::ifstream in(file, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read " + file.string());
      std::stringstream text;
      text << in.rdbuf();
      auto ders = pem_certificates(text.str());
      if (ders.empty()) throw std::runtime_error(file.string() + " holds no PEM certificate");
      for (std::size_t i = 0; i < ders.size(); ++i) {
        cas.emplace_back(std::move(ders[i]), file.filename().string() + (ders.size() > 1 ? " #" + std::to_string(i + 1) : ""));
      }
    }
    std::string pattern = (fs::temp_directory_path() / "certdoctor-audit-trust-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder for the trusted CAs");
    t.temp_dir_ = fs::path(pattern);
    t.profile_ = NssStore::create_empty(*t.temp_dir_);
    for (const auto& [der, label] : cas) t.profile_->restore(trusted_ca(der, label));
    t.description_ = std::to_string(cas.size()) + " trusted CA certificate(s) from --trust and the built-in roots";
  } else {
    t.description_ = "the built-in roots";
  }
  try {
    if (auto library = builtin_roots_library()) {
      t.builtins_ = NssStore::open_module(*library, "certdoctor built-in roots");
    } else {
      t.builtins_problem_ = "no built-in roots module (libnssckbi.so) was found";
    }
  } catch (const std::exception& e) {
    t.builtins_problem_ = e.what();
  }
  return t;
}

}  // namespace certdoctor::audit
