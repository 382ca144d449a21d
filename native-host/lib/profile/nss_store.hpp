// A profile's certificate database (cert9.db) opened through NSS's software token and used at the PKCS#11
// object level. NSS's certificate-level API names a certificate by issuer + serial, which is exactly the pair
// that collides in SEC_ERROR_REUSED_ISSUER_AND_SERIAL; here every certificate is an object we hold by handle
// and identify by its DER. Lookups use templates (issuer + serial, subject) that the database answers from
// its indexes, never a walk, except where the caller asks for one by name (all(), by_sha256()).
#pragma once
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

// One trust level per usage, as NSS keeps them (CKT_NSS_* values).
struct TrustLevels {
  unsigned long server_auth = 0, client_auth = 0, email = 0, code_signing = 0;
};

struct StoredCert {
  unsigned long handle = 0;  // valid while the store is open
  std::string der;
  std::string sha256;        // lower-case hex of der
  std::string nickname;      // CKA_LABEL; several certificates may share one
  std::string issuer_der, subject_der, serial_der;  // serial_der is the DER INTEGER, tag and length included
  std::optional<TrustLevels> trust;  // absent when no trust object belongs to this certificate
  bool has_private_key = false;
  std::string trust_string() const;  // certutil's "C,," form
  bool self_issued() const;          // pkix::Cert::self_issued on the stored names
  bool is_trust_anchor() const;      // trusted to issue server certificates
  bool is_distrusted() const;        // explicitly not trusted for servers
};

class NssStore {
 public:
  enum class Access { read, write };

  // Opens sql:<profile> with NSS, without loading the profile's other PKCS#11 modules or the built-in roots.
  static std::unique_ptr<NssStore> open(const std::filesystem::path& profile, Access access);
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

  // Everything needed to put a certificate back exactly: its object's attributes and its trust object's.
  struct Snapshot {
    RawAttributes certificate;
    std::optional<RawAttributes> trust;
    std::string attribute(unsigned long type) const;  // of the certificate object; empty when absent
    std::string issuer_der() const;
    std::string serial_der() const;
  };
  Snapshot snapshot(const StoredCert& c);

  // The steps of a removal and of its undo. PKCS#11 offers no transaction over two objects, so each step is
  // idempotent and removal.cpp journals its intent first: a run interrupted between two steps is finished by
  // the next run, whatever instant it stopped at. present() says which of the snapshot's objects are stored
  // now: the certificate with exactly this DER, and the trust object carrying this certificate's hash.
  struct Presence {
    bool certificate = false, trust = false;
  };
  Presence present(const Snapshot& s);
  void destroy_certificate(const Snapshot& s);  // nothing when it is not stored
  void destroy_trust(const Snapshot& s);        // nothing when it is not stored (or the snapshot had none)
  void create_certificate(const Snapshot& s);   // nothing when it is stored already
  void create_trust(const Snapshot& s);         // nothing when stored already (or the snapshot had none)

  // Deletes the certificate object, then its own trust object (matched by the certificate's hash), nothing else.
  void destroy(const StoredCert& c);
  // Creates the trust object, then the certificate, so that the certificate never appears without its trust;
  // when the certificate cannot be created, a trust object created here is taken away again.
  void restore(const Snapshot& s);

 private:
  struct Impl;
  explicit NssStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certdoctor
