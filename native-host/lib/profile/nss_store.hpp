// A profile's certificate database (cert9.db) opened through NSS's software token and used at the PKCS#11
// object level. NSS's certificate-level API names a certificate by issuer + serial, which is exactly the pair
// that collides in SEC_ERROR_REUSED_ISSUER_AND_SERIAL; here every certificate is an object we hold by handle
// and identify by its DER. Lookups use templates (issuer + serial, subject) that the database answers from
// its indexes, never a walk, except where the caller asks for one by name (all(), by_sha256()).
#pragma once
#include "profile/firefox_nss.hpp"
#include "profile/store_error.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

// PKCS#11 attributes of one object, by attribute type, as raw bytes: enough to re-create it exactly.
using RawAttributes = std::map<unsigned long, std::string>;

// The two ways a profile stores a certificate's trust: NSS's own CKO_NSS_TRUST objects (what certutil and
// Firefox before NSS 3.114 write) and PKCS#11 v3.2 CKO_TRUST objects (what Firefox writes today). One profile can
// hold both.
enum class TrustFormat { nss, pkcs11 };
std::string_view name_of(TrustFormat f);  // "CKO_NSS_TRUST", "CKO_TRUST"

// One trust level per usage, as NSS keeps them (CKT_NSS_* values; CKO_TRUST's CKT_* values are read into their
// NSS equivalents: trust anchor = trusted delegator, trusted, not trusted, must verify).
struct TrustLevels {
  unsigned long server_auth = 0, client_auth = 0, email = 0, code_signing = 0;
  TrustFormat format = TrustFormat::nss;
};

struct StoredCert {
  unsigned long handle = 0;  // valid while the store is open
  std::string der;
  std::string sha256;        // lower-case hex of der
  std::string nickname;      // CKA_LABEL; several certificates may share one
  std::string issuer_der, subject_der, serial_der;  // serial_der is the DER INTEGER, tag and length included
  std::optional<TrustLevels> trust;  // absent when no trust object belongs to this certificate
  std::vector<TrustFormat> trust_objects;  // the format of each trust object stored for it
  bool trust_unreadable = false;     // this NSS cannot search CKO_TRUST objects: its trust is unknown
  bool has_private_key = false;
  std::string trust_string() const;  // certutil's "C,," form
  bool self_issued() const;          // pkix::Cert::self_issued on the stored names
  bool is_trust_anchor() const;      // trusted to issue server certificates
  bool is_distrusted() const;        // explicitly not trusted for servers
};

class NssStore {
 public:
  enum class Access { read, write };

  // Opens sql:<profile> with NSS, without loading the profile's other PKCS#11 modules or the built-in roots:
  // through the NSS of the Firefox that owns the profile (choose_profile_nss), the system's when there is none
  // or it cannot be loaded.
  static std::unique_ptr<NssStore> open(const std::filesystem::path& profile, Access access);
  static std::unique_ptr<NssStore> open(const std::filesystem::path& profile, Access access, const ProfileNss& nss);
  // Makes a new, empty database in `dir` (which holds none yet) with an empty password, as `certutil -N
  // --empty-password` does, and opens it for writing: a store of our own (the audit's --trust CAs), never a
  // user's profile.
  static std::unique_ptr<NssStore> create_empty(const std::filesystem::path& dir);
  // Opens a read-only PKCS#11 module of certificates, such as the built-in roots (libnssckbi.so); the same
  // lookups work on it. Throws StoreError(Condition::store_failed) when the library cannot be loaded.
  static std::unique_ptr<NssStore> open_module(const std::filesystem::path& library, const std::string& name);
  ~NssStore();
  NssStore(const NssStore&) = delete;
  NssStore& operator=(const NssStore&) = delete;

  std::vector<StoredCert> by_issuer_serial(std::string_view issuer_der, std::string_view serial_der);
  std::vector<StoredCert> by_subject(std::string_view subject_der);
  // Stored certificates with the issuer and serial of `der` (what NSS takes for a certificate's identity) but other
  // bytes: the one test of "same issuer and serial, other bytes", what makes NSS refuse `der` with
  // SEC_ERROR_REUSED_ISSUER_AND_SERIAL. Empty when `der` is not a certificate.
  std::vector<StoredCert> same_identity_other_bytes(std::string_view der);
  // This exact certificate, when stored.
  std::optional<StoredCert> copy_of(std::string_view der);
  std::vector<StoredCert> all();                                  // walks every certificate
  std::optional<StoredCert> by_sha256(const std::string& sha256);  // walks every certificate

  bool needs_password() const;

  // Which NSS reads this database (firefox_nss.hpp), with the version of its software token, and whether that
  // token can create CKO_TRUST objects (restore a trust Firefox wrote today).
  const ProfileNss& nss() const;
  bool writes_pkcs11_trust() const;
  // False once this token refused a search for CKO_TRUST objects: the trust Firefox stores today is unseen, every
  // certificate read since is marked trust_unreadable, and none of them is removed.
  bool sees_pkcs11_trust() const;

  // Everything needed to put a certificate back exactly: its object's attributes and its trust object's.
  // Trust objects keep their format: undo re-creates the same objects (CKA_CLASS says which).
  struct Snapshot {
    RawAttributes certificate;
    std::vector<RawAttributes> trust;
    std::string attribute(unsigned long type) const;  // of the certificate object; empty when absent
    std::string issuer_der() const;
    std::string serial_der() const;
    bool has(TrustFormat f) const;
    // Why this snapshot is not one certdoctor made of the certificate with `sha256`: object classes or
    // attributes it never writes, a DER that is not a certificate or has another hash, names or serial that are
    // not the certificate's, a trust object whose hash is another certificate's. Empty when it is.
    std::string problem(const std::string& sha256) const;
  };
  Snapshot snapshot(const StoredCert& c);

  // The steps of a removal and of its undo. PKCS#11 offers no transaction over two objects, so each step is
  // idempotent and removal.cpp journals its intent first: a run interrupted between two steps is finished by
  // the next run, whatever instant it stopped at. present() says which of the snapshot's objects are stored
  // now: the certificate with exactly this DER, and the trust object carrying this certificate's hash.
  struct Presence {
    bool certificate = false;
    bool trust = false;       // every trust object of the snapshot
    bool some_trust = false;  // at least one trust object of this certificate, of either format
  };
  Presence present(const Snapshot& s);
  void destroy_certificate(const Snapshot& s);  // nothing when it is not stored
  // Every trust object of the certificate, of either format, matched by the certificate's hash: none is left an
  // orphan, whether the snapshot holds it or not.
  void destroy_trust(const Snapshot& s);
  void destroy_trust(const Snapshot& s, const std::vector<TrustFormat>& formats);  // of these formats only
  void create_certificate(const Snapshot& s);   // nothing when it is stored already
  // Those of the snapshot's trust objects not stored; returns the formats it created. When one cannot be
  // created, those created before it are taken away again.
  std::vector<TrustFormat> create_trust(const Snapshot& s);

  // Deletes the certificate object, then its own trust objects (matched by the certificate's hash), nothing else.
  void destroy(const StoredCert& c);
  // Creates the trust objects, then the certificate, so that the certificate never appears without its trust;
  // when the certificate cannot be created, the trust objects created here are taken away again.
  void restore(const Snapshot& s);

 private:
  struct Impl;
  explicit NssStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certdoctor
