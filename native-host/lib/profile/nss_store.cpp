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

constexpr CK_ATTRIBUTE_TYPE kCertAttributes[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_LABEL, CKA_CERTIFICATE_TYPE, CKA_SUBJECT,
    CKA_ID,    CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE, CKA_NSS_EMAIL,
};
constexpr CK_ATTRIBUTE_TYPE kTrustAttributes[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_LABEL, CKA_ISSUER, CKA_SERIAL_NUMBER,
    CKA_CERT_SHA1_HASH, CKA_CERT_MD5_HASH, CKA_TRUST_SERVER_AUTH, CKA_TRUST_CLIENT_AUTH,
    CKA_TRUST_EMAIL_PROTECTION, CKA_TRUST_CODE_SIGNING, CKA_TRUST_STEP_UP_APPROVED,
};

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
    // Tests break the database after N searches, as a lock taken or a file lost mid-way would.
    if (database && failure_injected("store.find")) fail(CKR_DEVICE_ERROR, "searching the certificate database (injected fault)");
    std::vector<CK_OBJECT_HANDLE> out;
    CK_RV rv = fn->C_FindObjectsInit(session, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
    if (rv != CKR_OK) fail(rv, "searching the certificate database");
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
    CK_ULONG out = 0;
    if (v && v->size() == sizeof out) std::memcpy(&out, v->data(), sizeof out);
    return out;
  }

  // The trust object that belongs to this certificate: same issuer and serial, and the certificate's SHA-1.
  std::optional<CK_OBJECT_HANDLE> trust_object(const StoredCert& c) const {
    CK_OBJECT_CLASS cls = CKO_NSS_TRUST;
    auto candidates = find({{CKA_CLASS, &cls, sizeof cls},
                            {CKA_ISSUER, const_cast<char*>(c.issuer_der.data()), c.issuer_der.size()},
                            {CKA_SERIAL_NUMBER, const_cast<char*>(c.serial_der.data()), c.serial_der.size()}});
    const std::string hash = sha1(c.der);
    for (auto h : candidates) {
      if (attribute(h, CKA_CERT_SHA1_HASH) == hash) return h;
    }
    return std::nullopt;
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
    if (auto t = trust_object(c)) {
      c.trust = TrustLevels{ulong_attribute(*t, CKA_TRUST_SERVER_AUTH), ulong_attribute(*t, CKA_TRUST_CLIENT_AUTH),
                            ulong_attribute(*t, CKA_TRUST_EMAIL_PROTECTION), ulong_attribute(*t, CKA_TRUST_CODE_SIGNING)};
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
  std::optional<unsigned long> trust_object(const Snapshot& s) const;
  void destroy_object(unsigned long handle, const char* what) const;
  unsigned long create_object(const RawAttributes& attrs, const char* what) const;

  RawAttributes read_all(CK_OBJECT_HANDLE h, const CK_ATTRIBUTE_TYPE* types, std::size_t n) const {
    RawAttributes out;
    for (std::size_t i = 0; i < n; ++i) {
      if (auto v = attribute(h, types[i])) out[types[i]] = *v;
    }
    return out;
  }
};

NssStore::NssStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NssStore::~NssStore() = default;

std::unique_ptr<NssStore> NssStore::open(const fs::path& profile, Access access) {
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
  impl->database = SoftokenSlot::open(profile, write ? SoftokenSlot::Mode::read_write : SoftokenSlot::Mode::read_only);
  impl->fn = impl->database->functions();
  impl->slot = impl->database->id();
  CK_FLAGS session_flags = CKF_SERIAL_SESSION | (write ? CKF_RW_SESSION : 0);
  CK_RV rv = impl->fn->C_OpenSession(impl->slot, session_flags, nullptr, nullptr, &impl->session);
  if (rv != CKR_OK) impl->fail(rv, "opening a session on the certificate database");
  return std::unique_ptr<NssStore>(new NssStore(std::move(impl)));
}

std::unique_ptr<NssStore> NssStore::create_empty(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "cert9.db", ec)) throw StoreError(Condition::store_failed, dir.string() + " already holds a cert9.db");
  auto impl = std::make_unique<Impl>();
  impl->database = SoftokenSlot::open(dir, SoftokenSlot::Mode::read_write);  // softoken lays out the new files
  impl->fn = impl->database->functions();
  impl->slot = impl->database->id();
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
  if (auto t = impl_->trust_object(c)) s.trust = impl_->read_all(*t, kTrustAttributes, std::size(kTrustAttributes));
  return s;
}

namespace {

CK_ATTRIBUTE attribute_of(const RawAttributes& attrs, CK_ATTRIBUTE_TYPE type) {
  auto it = attrs.find(type);
  if (it == attrs.end()) return {type, nullptr, 0};
  return {type, const_cast<char*>(it->second.data()), static_cast<CK_ULONG>(it->second.size())};
}

}  // namespace

std::optional<unsigned long> NssStore::Impl::certificate_object(const Snapshot& s) const {
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  const std::string& der = s.attribute(CKA_VALUE);
  for (auto h : find({{CKA_CLASS, &cls, sizeof cls}, attribute_of(s.certificate, CKA_ISSUER),
                      attribute_of(s.certificate, CKA_SERIAL_NUMBER)})) {
    if (attribute(h, CKA_VALUE) == der) return h;
  }
  return std::nullopt;
}

std::optional<unsigned long> NssStore::Impl::trust_object(const Snapshot& s) const {
  if (!s.trust) return std::nullopt;
  CK_OBJECT_CLASS cls = CKO_NSS_TRUST;
  const std::string hash = sha1(s.attribute(CKA_VALUE));
  for (auto h : find({{CKA_CLASS, &cls, sizeof cls}, attribute_of(*s.trust, CKA_ISSUER),
                      attribute_of(*s.trust, CKA_SERIAL_NUMBER)})) {
    if (attribute(h, CKA_CERT_SHA1_HASH) == hash) return h;
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
  return {impl_->certificate_object(s).has_value(), impl_->trust_object(s).has_value()};
}

void NssStore::destroy_certificate(const Snapshot& s) {
  if (auto h = impl_->certificate_object(s)) impl_->destroy_object(*h, "certificate");
}

void NssStore::destroy_trust(const Snapshot& s) {
  if (auto h = impl_->trust_object(s)) impl_->destroy_object(*h, "certificate's trust settings");
}

void NssStore::create_certificate(const Snapshot& s) {
  if (!impl_->certificate_object(s)) impl_->create_object(s.certificate, "certificate");
}

void NssStore::create_trust(const Snapshot& s) {
  if (s.trust && !impl_->trust_object(s)) impl_->create_object(*s.trust, "certificate's trust settings");
}

void NssStore::destroy(const StoredCert& c) {
  const Snapshot s = snapshot(c);
  destroy_certificate(s);
  destroy_trust(s);
}

void NssStore::restore(const Snapshot& s) {
  const bool had_trust = present(s).trust;
  create_trust(s);
  try {
    create_certificate(s);
  } catch (const StoreError&) {
    if (!had_trust) destroy_trust(s);
    throw;
  }
}

}  // namespace certdoctor
