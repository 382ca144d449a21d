#include "firefox/firefox_trust.hpp"

#include <pkcs11.h>
#include <pkcs11n.h>

#include <algorithm>
#include <cstdlib>

#include "certificate/cert_info.hpp"
#include "pkix/signature.hpp"

namespace certdoctor {

using namespace pkix;
namespace fs = std::filesystem;

std::optional<fs::path> builtin_roots_library() {
  if (const char* env = std::getenv("CERTDOCTOR_BUILTIN_ROOTS")) {
    if (*env == '\0') return std::nullopt;  // set but empty: no built-in roots (tests)
    return fs::path(env);
  }
  for (const char* p : {"/usr/lib/firefox-esr/libnssckbi.so", "/usr/lib/firefox/libnssckbi.so",
                        "/usr/lib/x86_64-linux-gnu/libnssckbi.so", "/usr/lib/aarch64-linux-gnu/libnssckbi.so",
                        "/usr/lib64/libnssckbi.so", "/usr/lib/libnssckbi.so"}) {
    std::error_code ec;
    if (fs::exists(p, ec)) return fs::path(p);
  }
  return std::nullopt;
}

template <typename Step>
Result FirefoxTrustDomain::guarded(Step step) {
  try {
    return step();
  } catch (const StoreError& e) {
    // A database that fails while the path is built (locked by a writer, gone from under us): no verdict can be
    // given. The caller reports what failed; the builder only learns that it must stop.
    if (!store_failure_) store_failure_ = e;
    return Result::FatalLibraryFailure;
  }
}

Result FirefoxTrustDomain::get_trust(Role role, Input der, TrustLevel& level) {
  auto key = std::make_pair(std::string(as_string(der)), static_cast<int>(role));
  if (auto it = trust_.find(key); it != trust_.end()) {
    level = it->second.second;
    return it->second.first;
  }
  Result r = guarded([&] { return lookup_trust(role, der, level); });
  if (is_fatal(r)) return r;
  trust_[key] = {r, level};
  return r;
}

Result FirefoxTrustDomain::lookup_trust(Role role, Input der, TrustLevel& level) {
  level = TrustLevel::inherits_trust;
  Cert c(der, role);
  if (c.init() != Result::Success) return Result::Success;  // the caller's own parse reports the problem
  // The profile's trust wins over the built-in module's, as in NSS.
  for (NssStore* store : {profile_, builtins_}) {
    if (!store) continue;
    // NSS cannot take a certificate whose issuer and serial belong to another one the profile stores: Firefox's
    // trust lookup fails on it (SEC_ERROR_REUSED_ISSUER_AND_SERIAL, which mozilla::pkix has no name for).
    if (store == profile_ && other_identity_kept(store, der)) return Result::UnknownError;
    if (left_out(store, std::string(as_string(der)))) continue;
    const auto stored = store->copy_of(as_string(der));
    if (!stored || !stored->trust) continue;
    {
      const unsigned long ssl = stored->trust->server_auth;
      // NSS flags: trusted delegator = C (anchor), trusted = P, not trusted = p (distrust); `P` on a CA, like `p`,
      // sets "terminal record" without the CA trust bit and so distrusts it.
      const bool terminal = ssl == CKT_NSS_TRUSTED || ssl == CKT_NSS_NOT_TRUSTED;
      const bool relevant_bit = role == Role::ca ? ssl == CKT_NSS_TRUSTED_DELEGATOR : ssl == CKT_NSS_TRUSTED;
      if (terminal && !relevant_bit) {
        level = TrustLevel::actively_distrusted;
      } else if (ssl == CKT_NSS_TRUSTED_DELEGATOR) {
        level = TrustLevel::trust_anchor;
      }
      return Result::Success;
    }
  }
  return Result::Success;
}

bool FirefoxTrustDomain::is_builtin(Input der) const { return builtins_ && builtins_->copy_of(as_string(der)); }

// A self-signed certificate that is not an anchor can never be needed on a path (its key would be found in
// another certificate): Firefox does not even try it.
bool FirefoxTrustDomain::skip_self_signed_non_anchor(Input der) {
  const std::string key(as_string(der));
  if (auto it = skip_.find(key); it != skip_.end()) return it->second;
  return skip_[key] = decide_skip(der);
}

bool FirefoxTrustDomain::decide_skip(Input der) {
  Cert c(der, Role::ca);
  if (c.init() != Result::Success || !c.self_issued()) return false;
  TrustLevel level;
  if (get_trust(Role::ca, der, level) != Result::Success || level != TrustLevel::inherits_trust) return false;
  return verify_signed_data({c.tbs, c.signature_algorithm, c.signature}, c.spki) == Result::Success;
}

Result FirefoxTrustDomain::find_issuers(Input name, const IssuerCheck& check) {
  const std::string name_der(as_string(name));
  auto cached = candidates_.find(name_der);
  if (cached == candidates_.end()) {
    std::vector<std::string> found;
    CERTDOCTOR_TRY(guarded([&] {
      found = issuer_candidates(name);
      return Result::Success;
    }));
    cached = candidates_.emplace(name_der, std::move(found)).first;
  }
  bool keep_going = true;
  for (const auto& der : cached->second) {
    if (skip_self_signed_non_anchor(as_input(der))) continue;
    if (store_failure_) return Result::FatalLibraryFailure;
    CERTDOCTOR_TRY(check(as_input(der), keep_going));
    if (!keep_going) break;
  }
  return Result::Success;
}

std::vector<std::string> FirefoxTrustDomain::issuer_candidates(Input name) {
  std::vector<std::string> candidates;
  auto add = [&](const std::string& der) {
    if (std::find(candidates.begin(), candidates.end(), der) == candidates.end()) candidates.push_back(der);
  };
  const std::string name_der(as_string(name));
  // 1. Built-in roots with that name; 2. what the server sent; 3. all NSS knows (profile and built-ins),
  // self-signed ones first.
  if (builtins_) for (const auto& s : builtins_->by_subject(name_der)) add(s.der);
  auto named = [&](const std::string& der) {
    Cert c(as_input(der), Role::ca);
    return c.init() == Result::Success && equal(c.subject, name);
  };
  for (std::size_t i = 1; i < served_.size(); ++i) {
    if (named(served_[i])) add(served_[i]);
  }
  std::vector<StoredCert> known;
  for (NssStore* store : {profile_, builtins_}) {
    if (!store) continue;
    for (auto& s : store->by_subject(name_der)) {
      if (!left_out(store, s.der)) known.push_back(std::move(s));
    }
  }
  std::stable_partition(known.begin(), known.end(), [](const StoredCert& s) { return s.self_issued(); });
  for (const auto& s : known) add(s.der);
  if (!served_.empty() && named(served_[0])) add(served_[0]);
  return candidates;
}

Result FirefoxTrustDomain::is_chain_valid(const std::vector<Input>& chain) {
  return guarded([&] {
    path_.clear();
    path_sources_.clear();
    for (Input der : chain) {
      path_.emplace_back(as_string(der));
      path_sources_.push_back(path_sources_.empty() ? "served" : source_of(path_.back()));
    }
    root_is_builtin_ = is_builtin(chain.back());
    return Result::Success;
  });
}

Result FirefoxTrustDomain::check_reused_identity(Input end_entity) {
  return guarded([&] {
    for (NssStore* store : {profile_, builtins_}) {
      if (store && other_identity_kept(store, end_entity)) return Result::ReusedIssuerAndSerial;
    }
    return Result::Success;
  });
}

namespace {

// AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription { accessMethod OID,
// accessLocation GeneralName }; an OCSP URI may not hold a NUL or exceed 1024 bytes.
Result check_authority_info_access(Input aia) {
  static constexpr std::uint8_t kOcsp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
  Reader r(aia);
  Result rv = nested_of(r, der::SEQUENCE, der::SEQUENCE, /*empty_allowed=*/false, [&](Reader& ad) -> Result {
    Input method, location;
    std::uint8_t tag = 0;
    CERTDOCTOR_TRY(ad.expect(der::OID, method));
    CERTDOCTOR_TRY(ad.read_tlv(tag, location));
    const std::string_view uri = as_string(location);
    if (equal(method, Input(kOcsp)) && tag == (der::CONTEXT | 6) &&
        (uri.size() > 1024 || uri.find('\0') != std::string_view::npos)) {
      return Result::BadDer;
    }
    return Result::Success;
  });
  return rv != Result::Success || !r.at_end() ? Result::CertBadAccessLocation : Result::Success;
}

}  // namespace

Result FirefoxTrustDomain::check_revocation(Role role, const Input* aia, bool expired) {
  // Nothing is fetched, but Firefox reads the end entity's OCSP address first; expired certificates are not checked.
  if (role != Role::end_entity || expired || !aia) return Result::Success;
  return check_authority_info_access(*aia);
}

Result FirefoxTrustDomain::check_digest(DigestAlgorithm digest, Role) {
  return digest == DigestAlgorithm::sha1 ? Result::SignatureAlgorithmDisabled : Result::Success;
}

Result FirefoxTrustDomain::check_rsa_bits(Role, unsigned bits) {
  return bits < min_rsa_bits_ ? Result::InadequateKeySize : Result::Success;
}

Result FirefoxTrustDomain::check_curve(Role, NamedCurve) { return Result::Success; }

Result FirefoxTrustDomain::verify_signed_data(const SignedData& sd, Input spki) { return signatures_->verify(sd, spki); }

Result SignatureMemo::verify(const SignedData& sd, Input spki) {
  std::string key;
  for (Input part : {sd.data, sd.algorithm, sd.signature, spki}) {
    const std::string_view bytes = as_string(part);
    key += std::to_string(bytes.size());
    key += ':';
    key += bytes;
  }
  if (auto it = checked_.find(key); it != checked_.end()) return it->second;
  return checked_[key] = verify_signature(sd, spki);
}

bool FirefoxTrustDomain::left_out(NssStore* store, const std::string& der) const {
  return store == profile_ && std::find(left_out_.begin(), left_out_.end(), der) != left_out_.end();
}

bool FirefoxTrustDomain::other_identity_kept(NssStore* store, Input der) const {
  const auto others = store->same_identity_other_bytes(as_string(der));
  return std::any_of(others.begin(), others.end(), [&](const StoredCert& s) { return !left_out(store, s.der); });
}

std::string FirefoxTrustDomain::source_of(const std::string& der) const {
  if (std::find(served_.begin(), served_.end(), der) != served_.end()) return "served";  // leaf included
  if (is_builtin(as_input(der))) return "builtin";
  return "profile";
}

}  // namespace certdoctor
