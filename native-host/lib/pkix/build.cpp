#include "pkix/build.hpp"

#include "pkix/names.hpp"

#include <algorithm>

namespace certdoctor::pkix {
namespace {

// Longest path: end entity + 6 intermediates + anchor.
constexpr unsigned kMaxSubCaCount = 6;
constexpr std::size_t kMaxAttempts = 64;

struct Builder {
  TrustDomain& td;
  std::int64_t now;
  KeyPurpose eku;
  unsigned budget = 200000;  // bounds the search when many certificates share names (as Firefox does)
  std::vector<Attempt>& attempts;

  Result forward(const Cert& subject, KeyUsage required_ku, unsigned sub_ca_count);
};

Result check_tls_features(const Cert& subject, const Cert& issuer) {
  if (!issuer.tls_features) return Result::Success;
  if (issuer.tls_features->empty() || !subject.tls_features || !equal(*issuer.tls_features, *subject.tls_features)) {
    return Result::RequiredTlsFeatureMissing;
  }
  return Result::Success;
}

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
    if (equal(method, Input(kOcsp)) && tag == (der::CONTEXT | 6) &&
        (location.size() > 1024 || std::find(location.begin(), location.end(), 0) != location.end())) {
      return Result::BadDer;
    }
    return Result::Success;
  });
  return rv != Result::Success || !r.at_end() ? Result::CertBadAccessLocation : Result::Success;
}

// Chooses the error to report for a subject from the results of all its candidate issuers: one kind of failure
// is reported as such (issuer-flavoured), several different ones become "unknown issuer".
struct Step {
  bool set = false;
  Result result = Result::UnknownIssuer;
  void record(Result r) {
    if (r == Result::UntrustedCert) r = Result::UntrustedIssuer;
    else if (r == Result::ExpiredCertificate) r = Result::ExpiredIssuerCertificate;
    else if (r == Result::NotYetValidCertificate) r = Result::NotYetValidIssuerCertificate;
    if (set && r != Result::Success && r != result) r = Result::UnknownIssuer;
    result = r;
    set = true;
  }
  Result final() const { return set ? result : Result::UnknownIssuer; }
};

Result Builder::forward(const Cert& subject, KeyUsage required_ku, unsigned sub_ca_count) {
  TrustLevel trust = TrustLevel::inherits_trust;
  Result rv = check_issuer_independent_properties(td, subject, now, required_ku, eku, sub_ca_count, trust);
  Result deferred = Result::Success;
  if (rv != Result::Success) {
    // A problem of the end entity itself waits until we know whether any path exists: an unknown issuer
    // is the more important thing to say.
    if (subject.role == Role::end_entity && trust != TrustLevel::trust_anchor) deferred = rv;
    else return rv;
  }
  if (trust == TrustLevel::trust_anchor) {
    std::vector<Input> chain;
    for (const Cert* c = &subject; c; c = c->child) chain.insert(chain.begin(), c->der);
    return td.is_chain_valid(chain);
  }
  if (subject.role == Role::ca) {
    if (sub_ca_count >= kMaxSubCaCount) return Result::UnknownIssuer;
    ++sub_ca_count;
  }

  Step step;
  const unsigned depth = [&] { unsigned d = 0; for (const Cert* c = subject.child; c; c = c->child) ++d; return d; }();
  rv = td.find_issuers(subject.issuer, [&](Input candidate, bool& keep_going) -> Result {
    Cert issuer(candidate, Role::ca, &subject);
    auto note = [&](Result r) {
      // The first levels are what an explanation needs; deeper ones could grow without bound.
      if (depth < 2 && attempts.size() < kMaxAttempts) {
        attempts.push_back({std::string(as_string(subject.der)), std::string(as_string(candidate)), r, depth});
      }
      step.record(r);
      keep_going = r != Result::Success;
      return Result::Success;
    };
    if (Result init = issuer.init(); init != Result::Success) return note(init);
    // A candidate with another name is simply not an issuer.
    if (!equal(issuer.subject, subject.issuer)) {
      keep_going = true;
      return Result::Success;
    }
    // No certificate twice on a path (same name and key), as RFC 4158 recommends against loops.
    for (const Cert* prev = issuer.child; prev; prev = prev->child) {
      if (equal(issuer.spki, prev->spki) && equal(issuer.subject, prev->subject)) return note(Result::UnknownIssuer);
    }
    if (issuer.name_constraints) {
      if (Result nc = check_name_constraints(*issuer.name_constraints, subject, eku); nc != Result::Success) {
        return note(nc);
      }
    }
    if (Result f = check_tls_features(subject, issuer); f != Result::Success) return note(f);
    if (budget == 0) {
      note(Result::UnknownIssuer);
      keep_going = false;
      return Result::Success;
    }
    --budget;
    if (Result up = forward(issuer, KeyUsage::key_cert_sign, sub_ca_count); up != Result::Success) return note(up);
    SignedData sd{subject.tbs, subject.signature_algorithm, subject.signature};
    if (Result sig = td.verify_signed_data(sd, issuer.spki); sig != Result::Success) return note(sig);
    // Revocation: nothing is fetched, but Firefox reads the end entity's OCSP address first; a malformed one
    // fails every path through this certificate. Expired certificates are not checked.
    if (subject.role == Role::end_entity && deferred != Result::ExpiredCertificate && subject.authority_info_access) {
      if (Result aia = check_authority_info_access(*subject.authority_info_access); aia != Result::Success) {
        note(aia);
        keep_going = false;
        return Result::Success;
      }
    }
    return note(Result::Success);
  });
  if (rv != Result::Success) return rv;
  CERTDOCTOR_TRY(step.final());
  return deferred;
}

}  // namespace

BuildOutcome build_chain(TrustDomain& td, Input end_entity, std::int64_t now, KeyUsage required_ku,
                         KeyPurpose required_eku) {
  BuildOutcome out;
  Cert leaf(end_entity, Role::end_entity);
  out.result = leaf.init();
  if (out.result != Result::Success) return out;
  Builder b{td, now, required_eku, 200000, out.attempts};
  out.result = b.forward(leaf, required_ku, 0);
  return out;
}

}  // namespace certdoctor::pkix
