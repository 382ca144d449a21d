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

// Chooses the error to report for a subject from the results of all its candidate issuers: one kind of failure
// is reported as such (issuer-flavoured), several different ones become "unknown issuer".
struct Step {
  bool set = false;
  Result result = Result::UnknownIssuer;
  void record(Result r) {
    r = as_issuer_result(r);
    if (set && r != Result::Success && r != result) r = Result::UnknownIssuer;
    result = r;
    set = true;
  }
  Result final() const { return set ? result : Result::UnknownIssuer; }
};

Result Builder::forward(const Cert& subject, KeyUsage required_ku, unsigned sub_ca_count) {
  TrustLevel trust = TrustLevel::inherits_trust;
  Result rv = check_issuer_independent_properties(td, subject, now, required_ku, eku, sub_ca_count, trust);
  if (is_fatal(rv)) return rv;
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
    if (Result up = forward(issuer, KeyUsage::key_cert_sign, sub_ca_count); up != Result::Success) {
      return is_fatal(up) ? up : note(up);
    }
    SignedData sd{subject.tbs, subject.signature_algorithm, subject.signature};
    if (Result sig = td.verify_signed_data(sd, issuer.spki); sig != Result::Success) return note(sig);
    // Revocation is the trust domain's policy; a certificate found revoked (or unreadable for it) fails every path
    // through it, so no other issuer is tried.
    const Input* aia = subject.authority_info_access ? &*subject.authority_info_access : nullptr;
    if (Result rev = td.check_revocation(subject.role, aia, deferred == Result::ExpiredCertificate);
        rev != Result::Success) {
      if (is_fatal(rev)) return rev;
      note(rev);
      keep_going = false;
      return Result::Success;
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
