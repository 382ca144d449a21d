#include "profile/nss_store.hpp"

#include <pkcs11.h>
#include <pkcs11n.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/hex.hpp"
#include "certificate/cert_info.hpp"
#include "base/fault.hpp"
#include "profile/pkcs11_module.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

namespace {

// What certutil prints for one usage column: the letters of NSS's trust flags, in certutil's order.
enum : unsigned {
  kValidCa = 1, kTerminal = 2, kTrustedCa = 4, kTrustedClientCa = 8, kTrusted = 16, kUser = 32,
};

unsigned flags_of(unsigned long level) {
  switch (level) {
    case CKT_NSS_TRUSTED: return kTerminal | kTrusted;
    case CKT_NSS_TRUSTED_DELEGATOR: return kValidCa | kTrustedCa;
    case CKT_NSS_NOT_TRUSTED: return kTerminal;
    case CKT_NSS_VALID_DELEGATOR: return kValidCa;
    default: return 0;  // must verify / unknown: no letter
  }
}

std::string letters(unsigned f) {
  std::string s;
  if ((f & kValidCa) && !(f & (kTrustedCa | kTrustedClientCa))) s += 'c';
  if ((f & kTerminal) && !(f & kTrusted)) s += 'p';
  if (f & kTrustedCa) s += 'C';
  if (f & kTrustedClientCa) s += 'T';
  if (f & kTrusted) s += 'P';
  if (f & kUser) s += 'u';
  return s;
}

// PKCS#11 v3.2 (NSS 3.114 and later; the system's headers may be older).
constexpr CK_OBJECT_CLASS kCkoTrust = 0x0000000BUL;
constexpr CK_ATTRIBUTE_TYPE kCkaNameHashAlgorithm = 0x0000008CUL, kCkaTrustServerAuth = 0x0000062CUL,
                            kCkaTrustClientAuth = 0x0000062DUL, kCkaTrustCodeSigning = 0x0000062EUL,
                            kCkaTrustEmailProtection = 0x0000062FUL, kCkaTrustIpsecIke = 0x00000630UL,
                            kCkaTrustTimeStamping = 0x00000631UL, kCkaTrustOcspSigning = 0x00000632UL,
                            kCkaHashOfCertificate = 0x00000635UL;
constexpr CK_ULONG kCktTrustUnknown = 0, kCktTrusted = 1, kCktTrustAnchor = 2, kCktNotTrusted = 3, kCktMustVerify = 4;

// CKO_TRUST's values in NSS's terms, so that every judge of trust reads one scale.
unsigned long nss_level(CK_ULONG v) {
  switch (v) {
    case kCktTrusted: return CKT_NSS_TRUSTED;
    case kCktTrustAnchor: return CKT_NSS_TRUSTED_DELEGATOR;
    case kCktNotTrusted: return CKT_NSS_NOT_TRUSTED;
    case kCktMustVerify: return CKT_NSS_MUST_VERIFY_TRUST;
    case kCktTrustUnknown: return CKT_NSS_TRUST_UNKNOWN;
    default: return CKT_NSS_TRUST_UNKNOWN;
  }
}

// The attributes whose value is a CK_ULONG. An NSS that does not know a CKO_TRUST attribute hands out the
// database's raw form (4 bytes, big-endian); snapshots keep the native form the token takes back.
bool ulong_typed(CK_ATTRIBUTE_TYPE t) {
  switch (t) {
    case CKA_CLASS: case CKA_CERTIFICATE_TYPE: case kCkaNameHashAlgorithm: case kCkaTrustServerAuth:
    case kCkaTrustClientAuth: case kCkaTrustCodeSigning: case kCkaTrustEmailProtection: case kCkaTrustIpsecIke:
    case kCkaTrustTimeStamping: case kCkaTrustOcspSigning: case CKA_TRUST_SERVER_AUTH: case CKA_TRUST_CLIENT_AUTH:
    case CKA_TRUST_EMAIL_PROTECTION: case CKA_TRUST_CODE_SIGNING:
      return true;
    default:
      return false;
  }
}

std::optional<CK_ULONG> ulong_value(const std::string& v) {
  if (v.size() == sizeof(CK_ULONG)) {
    CK_ULONG out = 0;
    std::memcpy(&out, v.data(), sizeof out);
    return out;
  }
  if (v.size() == 4) {  // the database's own encoding
    const auto* b = reinterpret_cast<const unsigned char*>(v.data());
    return (CK_ULONG(b[0]) << 24) | (CK_ULONG(b[1]) << 16) | (CK_ULONG(b[2]) << 8) | CK_ULONG(b[3]);
  }
  return std::nullopt;
}

std::string native_ulong(CK_ULONG v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

// The hash a CKO_TRUST object names its certificate by (CKA_NAME_HASH_ALGORITHM): SHA-256 as Firefox writes,
// and the other SHA sizes the standard allows.
std::optional<std::string> certificate_hash(CK_ULONG mechanism, std::string_view der) {
  const EVP_MD* md = nullptr;
  switch (mechanism) {
    case CKM_SHA_1: md = EVP_sha1(); break;
    case CKM_SHA256: md = EVP_sha256(); break;
    case CKM_SHA384: md = EVP_sha384(); break;
    case CKM_SHA512: md = EVP_sha512(); break;
    default: return std::nullopt;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(der.data(), der.size(), out, &n, md, nullptr)) return std::nullopt;
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string md5(std::string_view der) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(der.data(), der.size(), out, &n, EVP_md5(), nullptr)) return "";
  return std::string(reinterpret_cast<char*>(out), n);
}

constexpr CK_ATTRIBUTE_TYPE kCertAttributes[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_LABEL, CKA_CERTIFICATE_TYPE, CKA_SUBJECT,
    CKA_ID,    CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE, CKA_NSS_EMAIL,
};
constexpr CK_ATTRIBUTE_TYPE kTrustAttributes[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_LABEL, CKA_ISSUER, CKA_SERIAL_NUMBER,
    CKA_CERT_SHA1_HASH, CKA_CERT_MD5_HASH, CKA_TRUST_SERVER_AUTH, CKA_TRUST_CLIENT_AUTH,
    CKA_TRUST_EMAIL_PROTECTION, CKA_TRUST_CODE_SIGNING, CKA_TRUST_STEP_UP_APPROVED,
};
constexpr CK_ATTRIBUTE_TYPE kPkcs11TrustAttributes[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_LABEL, CKA_ISSUER, CKA_SERIAL_NUMBER,
    kCkaNameHashAlgorithm, kCkaHashOfCertificate, kCkaTrustServerAuth, kCkaTrustClientAuth, kCkaTrustCodeSigning,
    kCkaTrustEmailProtection, kCkaTrustIpsecIke, kCkaTrustTimeStamping, kCkaTrustOcspSigning,
};

CK_OBJECT_CLASS class_of(TrustFormat f) { return f == TrustFormat::nss ? CKO_NSS_TRUST : kCkoTrust; }

}  // namespace

std::string StoredCert::trust_string() const {
  unsigned ssl = 0, email = 0, code = 0;
  if (trust) {
    ssl = flags_of(trust->server_auth);
    unsigned client = flags_of(trust->client_auth);
    if (client & kTrustedCa) client = (client & ~kTrustedCa) | kTrustedClientCa;  // client-auth CA trust is 'T'
    ssl |= client;
    email = flags_of(trust->email);
    code = flags_of(trust->code_signing);
  }
  if (has_private_key) {
    ssl |= kUser;
    email |= kUser;
    code |= kUser;
  }
  return letters(ssl) + "," + letters(email) + "," + letters(code);
}

bool StoredCert::is_trust_anchor() const { return trust && trust->server_auth == CKT_NSS_TRUSTED_DELEGATOR; }
bool StoredCert::is_distrusted() const { return trust && trust->server_auth == CKT_NSS_NOT_TRUSTED; }

struct NssStore::Impl {
  std::unique_ptr<SoftokenSlot> database;  // the profile's database, when this store is one
  CK_FUNCTION_LIST_PTR fn = nullptr;
  CK_SLOT_ID slot = 0;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  mutable bool pkcs11_trust_refused = false;  // a search for CKO_TRUST objects was refused: their trust is unseen

  ~Impl() {
    if (session != CK_INVALID_HANDLE) fn->C_CloseSession(session);
  }

  [[noreturn]] void fail(CK_RV rv, const std::string& what) const {
    std::string detail = what + " (PKCS#11 error 0x" + [&] {
      char b[20];
      std::snprintf(b, sizeof b, "%lx", static_cast<unsigned long>(rv));
      return std::string(b);
    }() + ")";
    switch (rv) {
      case CKR_SESSION_READ_ONLY:
      case CKR_TOKEN_WRITE_PROTECTED:
        throw StoreError(Condition::store_read_only, detail + ": the certificate database is read-only");
      case CKR_USER_NOT_LOGGED_IN:
        throw StoreError(Condition::store_password, detail + ": the profile has a Primary Password");
      default:
        throw StoreError(Condition::store_failed, detail + ": the database may be locked by another program or damaged");
    }
  }

  std::vector<CK_OBJECT_HANDLE> find(std::vector<CK_ATTRIBUTE> tmpl) const {
    CK_RV rv = CKR_OK;
    auto out = try_find(std::move(tmpl), rv);
    if (!out) fail(rv, "searching the certificate database");
    return *out;
  }

  // A search this token may refuse (an old token and a class it does not know): nothing when it does.
  std::optional<std::vector<CK_OBJECT_HANDLE>> try_find(std::vector<CK_ATTRIBUTE> tmpl, CK_RV& rv) const {
    // Tests break the database after N searches, as a lock taken or a file lost mid-way would.
    if (database && failure_injected("store.find")) fail(CKR_DEVICE_ERROR, "searching the certificate database (injected fault)");
    std::vector<CK_OBJECT_HANDLE> out;
    rv = fn->C_FindObjectsInit(session, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
    if (rv != CKR_OK) return std::nullopt;
    CK_OBJECT_HANDLE batch[64];
    CK_ULONG n = 0;
    while ((rv = fn->C_FindObjects(session, batch, 64, &n)) == CKR_OK && n > 0) out.insert(out.end(), batch, batch + n);
    fn->C_FindObjectsFinal(session);
    if (rv != CKR_OK) fail(rv, "searching the certificate database");
    return out;
  }

  std::optional<std::string> attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) const {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (fn->C_GetAttributeValue(session, h, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
      return std::nullopt;
    }
    std::string value(a.ulValueLen, '\0');
    a.pValue = value.data();
    if (fn->C_GetAttributeValue(session, h, &a, 1) != CKR_OK) return std::nullopt;
    value.resize(a.ulValueLen);
    return value;
  }

  unsigned long ulong_attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) const {
    auto v = attribute(h, type);
    return v ? ulong_value(*v).value_or(0) : 0;
  }

  struct TrustObject {
    TrustFormat format;
    CK_OBJECT_HANDLE handle;
  };
  struct TrustFound {
    std::vector<TrustObject> objects;  // NSS's format first
    bool unreadable = false;           // the token refused to search for CKO_TRUST objects
  };

  // Whether trust object `h` names the certificate `der`: NSS's format by SHA-1, CKO_TRUST by the hash it names.
  bool names_certificate(TrustFormat f, CK_OBJECT_HANDLE h, const std::string& der) const {
    if (f == TrustFormat::nss) return attribute(h, CKA_CERT_SHA1_HASH) == sha1(der);
    auto algorithm = attribute(h, kCkaNameHashAlgorithm);
    auto mechanism = algorithm ? ulong_value(*algorithm) : std::optional<CK_ULONG>(CKM_SHA_1);
    auto expected = mechanism ? certificate_hash(*mechanism, der) : std::nullopt;
    return expected && attribute(h, kCkaHashOfCertificate) == *expected;
  }

  // The trust objects that belong to a certificate, of both formats: same issuer and serial, and its hash.
  TrustFound trust_objects(const std::string& issuer, const std::string& serial, const std::string& der) const {
    TrustFound found;
    for (TrustFormat f : {TrustFormat::nss, TrustFormat::pkcs11}) {
      CK_OBJECT_CLASS cls = class_of(f);
      CK_RV rv = CKR_OK;
      // No NSS here refuses it (the system's 3.87 finds CKO_TRUST objects by class): tests stand in for an older
      // token that does with this fault.
      auto candidates = f == TrustFormat::pkcs11 && failure_injected("store.pkcs11_trust_refused")
                            ? std::nullopt
                            : try_find({{CKA_CLASS, &cls, sizeof cls},
                                        {CKA_ISSUER, const_cast<char*>(issuer.data()), issuer.size()},
                                        {CKA_SERIAL_NUMBER, const_cast<char*>(serial.data()), serial.size()}}, rv);
      if (!candidates) {
        if (f == TrustFormat::nss) fail(rv, "searching the certificate database");
        found.unreadable = true;
        pkcs11_trust_refused = true;
        continue;
      }
      for (auto h : *candidates) {
        if (names_certificate(f, h, der)) found.objects.push_back({f, h});
      }
    }
    return found;
  }

  TrustLevels levels(const TrustObject& t) const {
    if (t.format == TrustFormat::nss) {
      return {ulong_attribute(t.handle, CKA_TRUST_SERVER_AUTH), ulong_attribute(t.handle, CKA_TRUST_CLIENT_AUTH),
              ulong_attribute(t.handle, CKA_TRUST_EMAIL_PROTECTION), ulong_attribute(t.handle, CKA_TRUST_CODE_SIGNING),
              TrustFormat::nss};
    }
    return {nss_level(ulong_attribute(t.handle, kCkaTrustServerAuth)), nss_level(ulong_attribute(t.handle, kCkaTrustClientAuth)),
            nss_level(ulong_attribute(t.handle, kCkaTrustEmailProtection)),
            nss_level(ulong_attribute(t.handle, kCkaTrustCodeSigning)), TrustFormat::pkcs11};
  }

  StoredCert load(CK_OBJECT_HANDLE h) const {
    StoredCert c;
    c.handle = h;
    c.der = attribute(h, CKA_VALUE).value_or("");
    c.sha256 = sha256_hex(c.der);
    c.nickname = attribute(h, CKA_LABEL).value_or("");
    c.issuer_der = attribute(h, CKA_ISSUER).value_or("");
    c.subject_der = attribute(h, CKA_SUBJECT).value_or("");
    c.serial_der = attribute(h, CKA_SERIAL_NUMBER).value_or("");
    const TrustFound found = trust_objects(c.issuer_der, c.serial_der, c.der);
    c.trust_unreadable = found.unreadable;
    for (const auto& t : found.objects) {
      c.trust_objects.push_back(t.format);
      // With both formats Firefox's NSS 3.125 applies the CKO_TRUST object, whichever was written last (measured
      // with tests/support/firefox_certdb: certutil's "p,p,p" next to Firefox's "C,," gives C,, both ways round).
      if (!c.trust || t.format == TrustFormat::pkcs11) c.trust = levels(t);
    }
    if (auto id = attribute(h, CKA_ID); id && !id->empty()) {
      CK_OBJECT_CLASS key = CKO_PRIVATE_KEY;
      c.has_private_key = !find({{CKA_CLASS, &key, sizeof key}, {CKA_ID, id->data(), id->size()}}).empty();
    }
    return c;
  }

  std::vector<StoredCert> certificates(std::vector<CK_ATTRIBUTE> tmpl) const {
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    tmpl.insert(tmpl.begin(), {CKA_CLASS, &cls, sizeof cls});
    std::vector<StoredCert> out;
    for (auto h : find(tmpl)) out.push_back(load(h));
    return out;
  }

  // The stored objects a snapshot describes (see NssStore::present), and the two object-level changes.
  std::optional<unsigned long> certificate_object(const Snapshot& s) const;
  std::vector<TrustObject> trust_objects(const Snapshot& s) const {
    return trust_objects(s.issuer_der(), s.serial_der(), s.attribute(CKA_VALUE)).objects;
  }
  void destroy_object(unsigned long handle, const char* what) const;
  unsigned long create_object(const RawAttributes& attrs, const char* what) const;

  RawAttributes read_all(CK_OBJECT_HANDLE h, const CK_ATTRIBUTE_TYPE* types, std::size_t n) const {
    RawAttributes out;
    for (std::size_t i = 0; i < n; ++i) {
      auto v = attribute(h, types[i]);
      if (!v) continue;
      if (ulong_typed(types[i])) {
        auto u = ulong_value(*v);
        if (u) v = native_ulong(*u);
      }
      out[types[i]] = *v;
    }
    return out;
  }

  RawAttributes read_trust(const TrustObject& t) const {
    return t.format == TrustFormat::nss ? read_all(t.handle, kTrustAttributes, std::size(kTrustAttributes))
                                        : read_all(t.handle, kPkcs11TrustAttributes, std::size(kPkcs11TrustAttributes));
  }
  ProfileNss nss;
};

NssStore::NssStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NssStore::~NssStore() = default;

std::unique_ptr<NssStore> NssStore::open(const fs::path& profile, Access access) {
  ProfileNss nss = choose_profile_nss(profile);
  if (nss.libraries.system()) return open(profile, access, nss);
  try {
    return open(profile, access, nss);
  } catch (const StoreError& e) {
    if (e.condition() != Condition::store_failed) throw;
    // The owning installation's NSS would not load (removed, another architecture): the system's stands in,
    // and says so (nss().problem).
    ProfileNss fallback{system_nss(), NssSource::system, "", e.what()};
    return open(profile, access, fallback);
  }
}

std::unique_ptr<NssStore> NssStore::open(const fs::path& profile, Access access, const ProfileNss& nss) {
  std::error_code ec;
  if (!fs::is_regular_file(profile / "cert9.db", ec)) {
    throw StoreError(Condition::store_missing, "no cert9.db in " + profile.string());
  }
  const bool write = access == Access::write;
  if (::access((profile / "cert9.db").c_str(), R_OK) != 0) {
    throw StoreError(Condition::store_unreadable, "cert9.db in " + profile.string() + " is not readable by this user");
  }
  if (write && (::access((profile / "cert9.db").c_str(), W_OK) != 0 || ::access(profile.c_str(), W_OK) != 0)) {
    throw StoreError(Condition::store_read_only, "cert9.db in " + profile.string() + " is not writable by this user");
  }

  auto impl = std::make_unique<Impl>();
  // Only the profile's own database is opened: never the PKCS#11 modules the profile lists (smart cards, OS
  // stores), nor the built-in roots (open_module does that).
  impl->database = SoftokenSlot::open(profile, write ? SoftokenSlot::Mode::read_write : SoftokenSlot::Mode::read_only,
                                      nss.libraries);
  impl->fn = impl->database->functions();
  impl->slot = impl->database->id();
  impl->nss = nss;
  impl->nss.version = impl->database->version();
  CK_FLAGS session_flags = CKF_SERIAL_SESSION | (write ? CKF_RW_SESSION : 0);
  CK_RV rv = impl->fn->C_OpenSession(impl->slot, session_flags, nullptr, nullptr, &impl->session);
  if (rv != CKR_OK) impl->fail(rv, "opening a session on the certificate database");
  return std::unique_ptr<NssStore>(new NssStore(std::move(impl)));
}

std::unique_ptr<NssStore> NssStore::create_empty(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "cert9.db", ec)) throw StoreError(Condition::store_failed, dir.string() + " already holds a cert9.db");
  auto impl = std::make_unique<Impl>();
  // The NSS a profile in `dir` would be read with, so that one process does not mix the system's and Firefox's.
  ProfileNss nss = choose_profile_nss(dir);
  try {
    impl->database = SoftokenSlot::open(dir, SoftokenSlot::Mode::read_write, nss.libraries);  // it lays out the files
  } catch (const StoreError& e) {
    if (nss.libraries.system() || e.condition() != Condition::store_failed) throw;
    nss = {system_nss(), NssSource::system, "", e.what()};
    impl->database = SoftokenSlot::open(dir, SoftokenSlot::Mode::read_write, nss.libraries);
  }
  impl->fn = impl->database->functions();
  impl->slot = impl->database->id();
  impl->nss = nss;
  impl->nss.version = impl->database->version();
  CK_RV rv = impl->fn->C_OpenSession(impl->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &impl->session);
  if (rv != CKR_OK) impl->fail(rv, "opening a session on the new certificate database");
  // A new database's user PIN is not set: the security officer (empty password) sets it to empty, and the user
  // logs in with it so that objects can be created, as certutil -N --empty-password does.
  CK_UTF8CHAR empty[1] = {0};
  if ((rv = impl->fn->C_Login(impl->session, CKU_SO, empty, 0)) != CKR_OK) impl->fail(rv, "setting up the new database");
  rv = impl->fn->C_InitPIN(impl->session, empty, 0);
  impl->fn->C_Logout(impl->session);
  if (rv != CKR_OK) impl->fail(rv, "setting the new database's empty password");
  rv = impl->fn->C_Login(impl->session, CKU_USER, empty, 0);
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) impl->fail(rv, "opening the new database");
  return std::unique_ptr<NssStore>(new NssStore(std::move(impl)));
}

std::unique_ptr<NssStore> NssStore::open_module(const fs::path& library, const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->fn = load_pkcs11_library(library.string());
  CK_SLOT_ID slots[8];
  CK_ULONG count = 8;
  if (impl->fn->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK || count == 0) {
    throw StoreError(Condition::store_failed, name + ": " + library.string() + " offers no token");
  }
  impl->slot = slots[0];
  CK_RV rv = impl->fn->C_OpenSession(impl->slot, CKF_SERIAL_SESSION, nullptr, nullptr, &impl->session);
  if (rv != CKR_OK) impl->fail(rv, "opening a session on " + library.string());
  return std::unique_ptr<NssStore>(new NssStore(std::move(impl)));
}

std::vector<StoredCert> NssStore::by_issuer_serial(std::string_view issuer_der, std::string_view serial_der) {
  return impl_->certificates({{CKA_ISSUER, const_cast<char*>(issuer_der.data()), issuer_der.size()},
                              {CKA_SERIAL_NUMBER, const_cast<char*>(serial_der.data()), serial_der.size()}});
}

std::vector<StoredCert> NssStore::same_identity_other_bytes(std::string_view der) {
  auto keys = cert_keys(der);
  if (!keys) return {};
  std::vector<StoredCert> out;
  for (auto& s : by_issuer_serial(keys->issuer_der, keys->serial_der)) {
    if (s.der != der) out.push_back(std::move(s));
  }
  return out;
}

std::optional<StoredCert> NssStore::copy_of(std::string_view der) {
  auto keys = cert_keys(der);
  if (!keys) return std::nullopt;
  for (auto& s : by_issuer_serial(keys->issuer_der, keys->serial_der)) {
    if (s.der == der) return std::move(s);
  }
  return std::nullopt;
}

bool StoredCert::self_issued() const { return CertKeys{issuer_der, subject_der, serial_der, {}}.self_issued(); }

std::vector<StoredCert> NssStore::by_subject(std::string_view subject_der) {
  return impl_->certificates({{CKA_SUBJECT, const_cast<char*>(subject_der.data()), subject_der.size()}});
}

std::vector<StoredCert> NssStore::all() { return impl_->certificates({}); }

std::optional<StoredCert> NssStore::by_sha256(const std::string& sha256) {
  // Nothing indexes a certificate's hash: each stored DER is read and hashed, and only the match is described
  // (its trust and key lookups are what make all() slow on a large profile).
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  for (auto h : impl_->find({{CKA_CLASS, &cls, sizeof cls}})) {
    if (auto der = impl_->attribute(h, CKA_VALUE); der && sha256_hex(*der) == sha256) return impl_->load(h);
  }
  return std::nullopt;
}

bool NssStore::needs_password() const {
  CK_TOKEN_INFO token{};
  CK_SESSION_INFO session{};
  if (impl_->fn->C_GetTokenInfo(impl_->slot, &token) != CKR_OK) return false;
  if (!(token.flags & CKF_LOGIN_REQUIRED)) return false;  // no Primary Password
  return impl_->fn->C_GetSessionInfo(impl_->session, &session) != CKR_OK ||
         (session.state != CKS_RO_USER_FUNCTIONS && session.state != CKS_RW_USER_FUNCTIONS);
}

std::string NssStore::Snapshot::attribute(unsigned long type) const {
  auto it = certificate.find(type);
  return it == certificate.end() ? std::string() : it->second;
}
std::string NssStore::Snapshot::issuer_der() const { return attribute(CKA_ISSUER); }
std::string NssStore::Snapshot::serial_der() const { return attribute(CKA_SERIAL_NUMBER); }

NssStore::Snapshot NssStore::snapshot(const StoredCert& c) {
  Snapshot s;
  s.certificate = impl_->read_all(c.handle, kCertAttributes, std::size(kCertAttributes));
  for (const auto& t : impl_->trust_objects(c.issuer_der, c.serial_der, c.der).objects) s.trust.push_back(impl_->read_trust(t));
  return s;
}

namespace {

CK_ATTRIBUTE attribute_of(const RawAttributes& attrs, CK_ATTRIBUTE_TYPE type) {
  auto it = attrs.find(type);
  if (it == attrs.end()) return {type, nullptr, 0};
  return {type, const_cast<char*>(it->second.data()), static_cast<CK_ULONG>(it->second.size())};
}

std::optional<TrustFormat> format_of(const RawAttributes& trust) {
  auto it = trust.find(CKA_CLASS);
  auto cls = it == trust.end() ? std::nullopt : ulong_value(it->second);
  if (cls == CKO_NSS_TRUST) return TrustFormat::nss;
  if (cls == kCkoTrust) return TrustFormat::pkcs11;
  return std::nullopt;
}

}  // namespace

bool NssStore::Snapshot::has(TrustFormat f) const {
  return std::any_of(trust.begin(), trust.end(), [&](const RawAttributes& t) { return format_of(t) == f; });
}

std::string NssStore::Snapshot::problem(const std::string& sha256) const {
  auto only = [](const RawAttributes& attrs, const CK_ATTRIBUTE_TYPE* allowed, std::size_t n) {
    return std::all_of(attrs.begin(), attrs.end(), [&](const auto& a) { return std::find(allowed, allowed + n, a.first) != allowed + n; });
  };
  auto ulong_is = [](const RawAttributes& attrs, CK_ATTRIBUTE_TYPE type, CK_ULONG want) {
    auto it = attrs.find(type);
    return it != attrs.end() && it->second.size() == sizeof(CK_ULONG) && ulong_value(it->second) == want;
  };
  if (!only(certificate, kCertAttributes, std::size(kCertAttributes))) return "the certificate object has attributes certdoctor never saves";
  if (!ulong_is(certificate, CKA_CLASS, CKO_CERTIFICATE)) return "the certificate object is not a certificate";
  if (!ulong_is(certificate, CKA_CERTIFICATE_TYPE, CKC_X_509)) return "the certificate object is not an X.509 certificate";
  const std::string der = attribute(CKA_VALUE);
  auto keys = cert_keys(der);
  if (!keys) return "the saved bytes are not a certificate";
  if (sha256_hex(der) != sha256) return "the saved certificate's SHA-256 is not the one the backup names";
  if (attribute(CKA_ISSUER) != keys->issuer_der || attribute(CKA_SERIAL_NUMBER) != keys->serial_der ||
      attribute(CKA_SUBJECT) != keys->subject_der) {
    return "the certificate object's issuer, serial or subject is not the certificate's";
  }
  std::vector<TrustFormat> seen;
  for (const auto& t : trust) {
    auto f = format_of(t);
    if (!f) return "a trust object is of a class certdoctor never saves";
    if (std::find(seen.begin(), seen.end(), *f) != seen.end()) return "two trust objects of one format";
    seen.push_back(*f);
    const bool allowed = *f == TrustFormat::nss ? only(t, kTrustAttributes, std::size(kTrustAttributes))
                                                : only(t, kPkcs11TrustAttributes, std::size(kPkcs11TrustAttributes));
    if (!allowed) return "a trust object has attributes certdoctor never saves";
    auto value = [&](CK_ATTRIBUTE_TYPE type) {
      auto it = t.find(type);
      return it == t.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
    };
    if (value(CKA_ISSUER) != keys->issuer_der || value(CKA_SERIAL_NUMBER) != keys->serial_der) {
      return "a trust object names another certificate's issuer or serial";
    }
    if (*f == TrustFormat::nss) {
      if (value(CKA_CERT_SHA1_HASH) != sha1(der)) return "a trust object's hash is another certificate's";
      if (auto m = value(CKA_CERT_MD5_HASH); m && *m != md5(der)) return "a trust object's hash is another certificate's";
    } else {
      auto algorithm = value(kCkaNameHashAlgorithm);
      auto mechanism = algorithm ? ulong_value(*algorithm) : std::optional<CK_ULONG>(CKM_SHA_1);
      auto expected = mechanism ? certificate_hash(*mechanism, der) : std::nullopt;
      if (!expected || value(kCkaHashOfCertificate) != *expected) return "a trust object's hash is another certificate's";
    }
  }
  return "";
}

std::optional<unsigned long> NssStore::Impl::certificate_object(const Snapshot& s) const {
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  const std::string& der = s.attribute(CKA_VALUE);
  for (auto h : find({{CKA_CLASS, &cls, sizeof cls}, attribute_of(s.certificate, CKA_ISSUER),
                      attribute_of(s.certificate, CKA_SERIAL_NUMBER)})) {
    if (attribute(h, CKA_VALUE) == der) return h;
  }
  return std::nullopt;
}

void NssStore::Impl::destroy_object(unsigned long handle, const char* what) const {
  CK_RV rv = fn->C_DestroyObject(session, handle);
  if (rv != CKR_OK) fail(rv, std::string("deleting the ") + what);
}

unsigned long NssStore::Impl::create_object(const RawAttributes& attrs, const char* what) const {
  std::vector<CK_ATTRIBUTE> tmpl;
  for (const auto& [type, value] : attrs) {
    tmpl.push_back({type, const_cast<char*>(value.data()), static_cast<CK_ULONG>(value.size())});
  }
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_RV rv = fn->C_CreateObject(session, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()), &h);
  if (rv != CKR_OK) fail(rv, std::string("restoring the ") + what);
  return h;
}

NssStore::Presence NssStore::present(const Snapshot& s) {
  const auto stored = impl_->trust_objects(s);
  auto holds = [&](TrustFormat f) {
    return std::any_of(stored.begin(), stored.end(), [&](const Impl::TrustObject& t) { return t.format == f; });
  };
  Presence p;
  p.certificate = impl_->certificate_object(s).has_value();
  p.trust = !s.trust.empty() && std::all_of(s.trust.begin(), s.trust.end(), [&](const RawAttributes& t) {
    auto f = format_of(t);
    return f && holds(*f);
  });
  p.some_trust = !stored.empty();
  return p;
}

void NssStore::destroy_certificate(const Snapshot& s) {
  if (auto h = impl_->certificate_object(s)) impl_->destroy_object(*h, "certificate");
}

void NssStore::destroy_trust(const Snapshot& s) {
  for (const auto& t : impl_->trust_objects(s)) impl_->destroy_object(t.handle, "certificate's trust settings");
}

void NssStore::create_certificate(const Snapshot& s) {
  if (!impl_->certificate_object(s)) impl_->create_object(s.certificate, "certificate");
}

std::vector<TrustFormat> NssStore::create_trust(const Snapshot& s) {
  const auto stored = impl_->trust_objects(s);
  std::vector<TrustFormat> created;
  try {
    for (const auto& t : s.trust) {
      auto f = format_of(t);
      if (!f) continue;
      const bool there = std::any_of(stored.begin(), stored.end(), [&](const Impl::TrustObject& o) { return o.format == *f; });
      if (there) continue;
      impl_->create_object(t, "certificate's trust settings");
      created.push_back(*f);
    }
  } catch (const StoreError&) {
    destroy_trust(s, created);  // nothing half-made stays
    throw;
  }
  return created;
}

void NssStore::destroy_trust(const Snapshot& s, const std::vector<TrustFormat>& formats) {
  for (const auto& t : impl_->trust_objects(s)) {
    if (std::find(formats.begin(), formats.end(), t.format) != formats.end()) {
      impl_->destroy_object(t.handle, "certificate's trust settings");
    }
  }
}

void NssStore::destroy(const StoredCert& c) {
  const Snapshot s = snapshot(c);
  destroy_certificate(s);
  destroy_trust(s);
}

void NssStore::restore(const Snapshot& s) {
  const std::vector<TrustFormat> created = create_trust(s);
  try {
    create_certificate(s);
  } catch (const StoreError&) {
    destroy_trust(s, created);
    throw;
  }
}

const ProfileNss& NssStore::nss() const { return impl_->nss; }
bool NssStore::writes_pkcs11_trust() const { return knows_pkcs11_trust(impl_->nss.version); }
bool NssStore::sees_pkcs11_trust() const { return !impl_->pkcs11_trust_refused; }

std::string_view name_of(TrustFormat f) { return f == TrustFormat::nss ? "CKO_NSS_TRUST" : "CKO_TRUST"; }

}  // namespace certdoctor
