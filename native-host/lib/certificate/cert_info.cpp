#include "certificate/cert_info.hpp"

#include "base/hex.hpp"

#include "pkix/der.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace certdoctor {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string hex(const unsigned char* p, std::size_t n) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(p), n));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// RFC 4514 (OpenSSL's RFC 2253 printer, which is the same order and escaping), keeping UTF-8 as UTF-8.
std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

std::string iso_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string object_name(const ASN1_OBJECT* obj) {
  int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) return OBJ_nid2sn(nid);
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

std::string object_oid(const ASN1_OBJECT* obj) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

// The long name is the one admins know ("sha256WithRSAEncryption"); an algorithm OpenSSL does not know, its OID.
std::string algorithm_name(const ASN1_OBJECT* alg) {
  const int nid = OBJ_obj2nid(alg);
  return nid != NID_undef ? std::string(OBJ_nid2ln(nid)) : object_oid(alg);
}

std::string asn1_string(const ASN1_STRING* s) {
  return s ? std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)))
           : std::string();
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  int len = ASN1_STRING_length(ip);
  const unsigned char* p = ASN1_STRING_get0_data(ip);
  if (len == 4) inet_ntop(AF_INET, p, buf, sizeof buf);
  else if (len == 16) inet_ntop(AF_INET6, p, buf, sizeof buf);
  else return "invalid:" + hex(p, static_cast<std::size_t>(len));
  return buf;
}

GeneralName general_name(const GENERAL_NAME* gn) {
  switch (gn->type) {
    case GEN_DNS: return {"dns", asn1_string(gn->d.dNSName)};
    case GEN_IPADD: return {"ip", ip_text(gn->d.iPAddress)};
    case GEN_EMAIL: return {"email", asn1_string(gn->d.rfc822Name)};
    case GEN_URI: return {"uri", asn1_string(gn->d.uniformResourceIdentifier)};
    case GEN_DIRNAME: return {"dirname", name_text(gn->d.directoryName)};
    case GEN_RID: return {"rid", object_oid(gn->d.registeredID)};
    default: return {"other", ""};
  }
}

std::vector<GeneralName> general_names(const GENERAL_NAMES* names) {
  std::vector<GeneralName> out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) out.push_back(general_name(sk_GENERAL_NAME_value(names, i)));
  return out;
}

bool is_critical(X509* x, int nid) {
  int idx = X509_get_ext_by_NID(x, nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, idx));
}

PublicKeyInfo public_key(X509* x) {
  PublicKeyInfo k;
  EVP_PKEY* key = X509_get0_pubkey(x);
  if (!key) return k;
  k.bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: k.type = "RSA"; break;
    case EVP_PKEY_EC: {
      k.type = "EC";
      char curve[80] = {};
      if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, nullptr)) k.curve = curve;
      break;
    }
    case EVP_PKEY_ED25519: k.type = "Ed25519"; break;
    case EVP_PKEY_ED448: k.type = "Ed448"; break;
    case EVP_PKEY_DSA: k.type = "DSA"; break;
    default: k.type = OBJ_nid2sn(EVP_PKEY_get_base_id(key)); break;
  }
  return k;
}

KeyUsageInfo key_usage(X509* x) {
  static constexpr std::pair<std::uint32_t, const char*> kBits[] = {
      {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
      {KU_DECIPHER_ONLY, "decipherOnly"}};
  KeyUsageInfo out{is_critical(x, NID_key_usage), {}};
  std::uint32_t ku = X509_get_key_usage(x);
  for (auto [bit, name] : kBits) {
    if (ku & bit) out.usages.push_back(name);
  }
  return out;
}

ExtendedKeyUsageInfo extended_key_usage(X509* x) {
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr));
  ExtendedKeyUsageInfo out{is_critical(x, NID_ext_key_usage), {}};
  for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); ++i) out.purposes.push_back(object_name(sk_ASN1_OBJECT_value(eku, i)));
  EXTENDED_KEY_USAGE_free(eku);
  return out;
}

std::vector<GeneralName> subtrees(const STACK_OF(GENERAL_SUBTREE) * trees) {
  std::vector<GeneralName> out;
  for (int i = 0; trees && i < sk_GENERAL_SUBTREE_num(trees); ++i) out.push_back(general_name(sk_GENERAL_SUBTREE_value(trees, i)->base));
  return out;
}

AuthorityInfoAccessInfo authority_info_access(X509* x) {
  auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(x, NID_info_access, nullptr, nullptr));
  AuthorityInfoAccessInfo out;
  for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); ++i) {
    ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, i);
    std::string where = general_name(ad->location).value;
    int nid = OBJ_obj2nid(ad->method);
    if (nid == NID_ad_OCSP) out.ocsp.push_back(where);
    else if (nid == NID_ad_ca_issuers) out.ca_issuers.push_back(where);
  }
  AUTHORITY_INFO_ACCESS_free(aia);
  return out;
}

}  // namespace

std::string CertificateDescription::names() const {
  std::string out;
  for (const auto& n : subject_alt_names.value_or(std::vector<GeneralName>{})) out += (out.empty() ? "" : ", ") + n.value;
  return out;
}

CertificateDescription describe_certificate(std::string_view der) {
  CertificateDescription d;
  d.sha256 = sha256_hex(der);
  d.der_length = der.size();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    d.parse_error = "not a certificate OpenSSL can read";
    return d;
  }
  d.version = static_cast<int>(X509_get_version(x.get()) + 1);
  d.subject = name_text(X509_get_subject_name(x.get()));
  d.issuer = name_text(X509_get_issuer_name(x.get()));
  // The serial as the INTEGER's content octets, so that two serials are equal exactly when NSS sees them equal.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get());
  {
    unsigned char* enc = nullptr;
    int n = i2d_ASN1_INTEGER(serial, &enc);  // 02 len content
    if (n > 2) {
      const unsigned char* q = enc;
      long len = 0;
      int tag = 0, cls = 0;
      ASN1_get_object(&q, &len, &tag, &cls, n);
      d.serial = hex(q, static_cast<std::size_t>(len));
    }
    OPENSSL_free(enc);
  }
  d.not_before = iso_time(X509_get0_notBefore(x.get()));
  d.not_after = iso_time(X509_get0_notAfter(x.get()));
  // Byte equality of the two names, as path building sees it (not OpenSSL's canonical comparison).
  const auto keys = cert_keys(der);
  d.self_issued = keys && keys->self_issued();
  d.public_key = public_key(x.get());
  d.signature_algorithm = algorithm_name(X509_get0_tbs_sigalg(x.get())->algorithm);

  auto* san = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr));
  if (san) d.subject_alt_names = general_names(san);
  GENERAL_NAMES_free(san);

  if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x.get(), NID_basic_constraints, nullptr, nullptr))) {
    BasicConstraintsInfo b{is_critical(x.get(), NID_basic_constraints), bc->ca != 0, std::nullopt};
    if (bc->pathlen) b.path_len = ASN1_INTEGER_get(bc->pathlen);
    d.basic_constraints = b;
    BASIC_CONSTRAINTS_free(bc);
  }
  if (X509_get_ext_by_NID(x.get(), NID_key_usage, -1) >= 0) d.key_usage = key_usage(x.get());
  if (X509_get_ext_by_NID(x.get(), NID_ext_key_usage, -1) >= 0) d.extended_key_usage = extended_key_usage(x.get());
  if (auto* nc = static_cast<NAME_CONSTRAINTS*>(X509_get_ext_d2i(x.get(), NID_name_constraints, nullptr, nullptr))) {
    d.name_constraints = NameConstraintsInfo{is_critical(x.get(), NID_name_constraints), subtrees(nc->permittedSubtrees),
                                             subtrees(nc->excludedSubtrees)};
    NAME_CONSTRAINTS_free(nc);
  }
  if (X509_get_ext_by_NID(x.get(), NID_info_access, -1) >= 0) d.authority_info_access = authority_info_access(x.get());

  for (int i = 0; i < X509_get_ext_count(x.get()); ++i) {
    X509_EXTENSION* e = X509_get_ext(x.get(), i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(e);
    d.extensions.push_back({object_oid(obj), object_name(obj), X509_EXTENSION_get_critical(e) != 0});
  }
  return d;
}

}  // namespace certdoctor

namespace certdoctor {

namespace {

// The TBSCertificate's outline, the fields' own bytes (whole TLVs) as NSS stores and indexes them: only the outline
// is read, so a certificate Firefox judges malformed elsewhere is still looked up as NSS would.
struct Outline {
  pkix::Input serial, signature, issuer, subject;
  std::optional<pkix::Input> spki;  // read when present; the lookups above do not need it
};

std::optional<Outline> outline(std::string_view der) {
  using namespace pkix;
  Reader outer(as_input(der)), cert, tbs;
  Outline o;
  Input skipped;
  if (outer.expect(der::SEQUENCE, cert) != Result::Success || cert.expect(der::SEQUENCE, tbs) != Result::Success) {
    return std::nullopt;
  }
  if (tbs.peek(der::CONTEXT | der::CONSTRUCTED | 0) && tbs.skip(der::CONTEXT | der::CONSTRUCTED | 0) != Result::Success) {
    return std::nullopt;
  }
  if (tbs.expect_tlv(der::INTEGER, o.serial) != Result::Success ||
      tbs.expect_tlv(der::SEQUENCE, o.signature) != Result::Success ||
      tbs.expect_tlv(der::SEQUENCE, o.issuer) != Result::Success || tbs.expect(der::SEQUENCE, skipped) != Result::Success ||
      tbs.expect_tlv(der::SEQUENCE, o.subject) != Result::Success) {
    return std::nullopt;
  }
  if (Input spki; tbs.expect_tlv(der::SEQUENCE, spki) == Result::Success) o.spki = spki;
  return o;
}

}  // namespace

std::optional<CertKeys> cert_keys(std::string_view der) {
  const auto o = outline(der);
  if (!o) return std::nullopt;
  return CertKeys{std::string(as_string(o->issuer)), std::string(as_string(o->subject)), std::string(as_string(o->serial)),
                  o->spki ? std::string(as_string(*o->spki)) : std::string()};
}

std::string signature_algorithm_name(std::string_view der) {
  const auto o = outline(der);
  if (!o) return "";
  using namespace pkix;
  Reader whole(o->signature), algorithm;
  Input oid;
  if (whole.expect(der::SEQUENCE, algorithm) != Result::Success || algorithm.expect_tlv(der::OID, oid) != Result::Success) {
    return "";
  }
  const std::string_view bytes = as_string(oid);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> object(
      d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(bytes.size())), ASN1_OBJECT_free);
  return object ? algorithm_name(object.get()) : "";
}

bool CertKeys::self_issued() const { return pkix::equal(pkix::as_input(issuer_der), pkix::as_input(subject_der)); }

}  // namespace certdoctor
