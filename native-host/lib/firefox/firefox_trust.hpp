// Firefox's policy as a trust domain: trust anchors and distrust from the profile's cert9.db and the built-in
// roots, issuer candidates in the order Firefox tries them (built-in roots, the intermediates the server sent,
// then every certificate NSS knows with that name, self-signed ones first), SHA-1 refused, RSA keys of at least
// `min_rsa_bits`, the curves P-256/384/521.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "profile/nss_store.hpp"
#include "pkix/trust_domain.hpp"

namespace certdoctor {

// The built-in roots module Firefox would load. Debian's firefox-esr compiles its roots into libxul.so, which
// exports no PKCS#11 entry point, so the system's libnssckbi.so (libnss3, an older root set) stands in.
std::optional<std::filesystem::path> builtin_roots_library();

// Signatures already checked during one verdict. Each attempt (a 2048-bit, then a 1024-bit RSA minimum) builds
// its paths anew and meets the same signatures, and a self-signed leaf's own signature is checked once more to
// name its error; one check costs tens of microseconds, and a fleet audit judges hundreds of thousands of leaves.
class SignatureMemo {
 public:
  pkix::Result verify(const pkix::SignedData& signed_data, pkix::Input spki);

 private:
  std::map<std::string, pkix::Result> checked_;  // by the signed data, algorithm, signature and key, all as bytes
};

class FirefoxTrustDomain final : public pkix::TrustDomain {
 public:
  // `profile` and `builtins` may be null (no profile, no roots module); `served` is the chain as sent, leaf
  // first: the rest are offered as intermediates, and the leaf, which NSS holds in memory during the
  // handshake, is among the certificates NSS knows.
  // `left_out`: DER of certificates in the profile to treat as gone (what removing them would change).
  // `signatures`: checks shared with the other trust domains of one verdict (else the domain keeps its own).
  FirefoxTrustDomain(NssStore* profile, NssStore* builtins, std::vector<std::string> served, unsigned min_rsa_bits,
                     std::vector<std::string> left_out = {}, SignatureMemo* signatures = nullptr)
      : profile_(profile), builtins_(builtins), served_(std::move(served)), min_rsa_bits_(min_rsa_bits),
        left_out_(std::move(left_out)), signatures_(signatures ? signatures : &own_signatures_) {}
  FirefoxTrustDomain(const FirefoxTrustDomain&) = delete;
  FirefoxTrustDomain& operator=(const FirefoxTrustDomain&) = delete;

  pkix::Result get_trust(pkix::Role role, pkix::Input der, pkix::TrustLevel& level) override;
  pkix::Result find_issuers(pkix::Input issuer_name, const IssuerCheck& check) override;
  pkix::Result is_chain_valid(const std::vector<pkix::Input>& chain) override;
  pkix::Result check_digest(pkix::DigestAlgorithm digest, pkix::Role role) override;
  pkix::Result check_rsa_bits(pkix::Role role, unsigned bits) override;
  pkix::Result check_curve(pkix::Role role, pkix::NamedCurve curve) override;
  pkix::Result verify_signed_data(const pkix::SignedData& signed_data, pkix::Input spki) override;
  // Firefox asks no responder, but reads the end entity's OCSP address first (not an expired one's): a malformed
  // authorityInfoAccess fails every path through it.
  pkix::Result check_revocation(pkix::Role role, const pkix::Input* aia, bool expired) override;

  // The handshake's own check, before any path is built: NSS refuses a server certificate when the profile or the
  // built-in module holds another certificate with its issuer and serial (ReusedIssuerAndSerial).
  pkix::Result check_reused_identity(pkix::Input end_entity);

  // Set when a database failed during a call that then returned FatalLibraryFailure.
  const std::optional<StoreError>& store_failure() const { return store_failure_; }

  // After a successful build: the path (end entity first) and whether it ends at a built-in root.
  const std::vector<std::string>& built_path() const { return path_; }
  bool root_is_builtin() const { return root_is_builtin_; }
  // Where each certificate on the built path came from: "served", "profile", "builtin".
  const std::vector<std::string>& path_sources() const { return path_sources_; }

 private:
  bool is_builtin(pkix::Input der) const;
  std::string source_of(const std::string& der) const;
  // Runs `step`; a StoreError it throws is kept, and the caller gets FatalLibraryFailure.
  template <typename Step>
  pkix::Result guarded(Step step);
  bool skip_self_signed_non_anchor(pkix::Input der);
  bool decide_skip(pkix::Input der);
  pkix::Result lookup_trust(pkix::Role role, pkix::Input der, pkix::TrustLevel& level);
  std::vector<std::string> issuer_candidates(pkix::Input name);
  bool left_out(NssStore* store, const std::string& der) const;
  // Whether `store` holds another certificate with der's issuer and serial that is not left out.
  bool other_identity_kept(NssStore* store, pkix::Input der) const;

  // Path building asks the same questions many times (pathological chains: hundreds of thousands); the
  // answers cannot change during one verdict, so each is taken from the database once.
  std::map<std::string, std::vector<std::string>> candidates_;  // by issuer name
  std::map<std::pair<std::string, int>, std::pair<pkix::Result, pkix::TrustLevel>> trust_;  // by DER and role
  std::map<std::string, bool> skip_;

  NssStore* profile_;
  NssStore* builtins_;
  std::vector<std::string> served_;
  unsigned min_rsa_bits_;
  std::vector<std::string> left_out_;
  SignatureMemo own_signatures_;
  SignatureMemo* signatures_;
  std::vector<std::string> path_, path_sources_;
  std::optional<StoreError> store_failure_;
  bool root_is_builtin_ = false;
};

}  // namespace certdoctor
