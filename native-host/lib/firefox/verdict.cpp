#include "firefox/verdict.hpp"

#include <algorithm>

#include "certificate/cert_info.hpp"
#include "firefox/firefox_trust.hpp"
#include "pkix/checks.hpp"
#include "pkix/names.hpp"
#include "pkix/oids.hpp"

namespace certdoctor {

using namespace pkix;

namespace {

bool self_signed(const Cert& c, SignatureMemo& signatures) {
  return c.self_issued() && signatures.verify({c.tbs, c.signature_algorithm, c.signature}, c.spki) == Result::Success;
}

bool tls_usable_key(Input spki) {
  Reader whole(spki);
  Reader s, alg;
  Input oid, curve;
  if (whole.expect(der::SEQUENCE, s) != Result::Success || s.expect(der::SEQUENCE, alg) != Result::Success ||
      alg.expect(der::OID, oid) != Result::Success) {
    return true;  // malformed keys are path building's to report
  }
  if (equal(oid, oids::kRsaEncryption) || equal(oid, oids::kRsaPss)) return true;
  if (!equal(oid, oids::kEcPublicKey)) return false;
  if (alg.expect(der::OID, curve) != Result::Success) return true;
  return equal(curve, oids::kSecp256r1) || equal(curve, oids::kSecp384r1) || equal(curve, oids::kSecp521r1);
}

// One complete attempt at a given minimum RSA size, trying the key usages a TLS server may need in turn.
BuildOutcome build_for_tls_server(FirefoxTrustDomain& td, Input leaf, std::int64_t now) {
  BuildOutcome out;
  for (KeyUsage ku : {KeyUsage::digital_signature, KeyUsage::key_encipherment, KeyUsage::key_agreement}) {
    out = build_chain(td, leaf, now, ku, KeyPurpose::server_auth);
    if (out.result != Result::InadequateKeyUsage) break;
  }
  return out;
}

}  // namespace

Verdict firefox_verdict(const VerdictInput& in) {
  Verdict v;
  if (in.chain_der.empty()) {
    v.result = Result::UnknownError;
    return v;
  }
  const Input leaf = as_input(in.chain_der[0]);
  Cert leaf_cert(leaf, Role::end_entity);
  const bool leaf_parses = leaf_cert.init() == Result::Success;

  // The cipher suite is chosen before any certificate is sent. Firefox signs the handshake only with RSA or
  // ECDSA on P-256/384/521 keys: any other server key leaves no cipher suite both sides can use.
  if (leaf_parses && !tls_usable_key(leaf_cert.spki)) {
    v.result = Result::NoCypherOverlap;
    return v;
  }

  const std::vector<std::string>& served = in.chain_der;
  SignatureMemo signatures;
  // The handshake itself fails when NSS already holds another certificate with this issuer and serial.
  {
    FirefoxTrustDomain td(in.profile, in.builtins, served, 2048, in.left_out, &signatures);
    if (Result reused = td.check_reused_identity(leaf); reused != Result::Success) {
      v.result = reused;
      v.store_failure = td.store_failure();
      return v;
    }
  }

  // Firefox first demands 2048-bit RSA keys, then accepts 1024 bits unless the path ends at a built-in root.
  for (unsigned min_bits : {2048u, 1024u}) {
    FirefoxTrustDomain td(in.profile, in.builtins, served, min_bits, in.left_out, &signatures);
    BuildOutcome out = build_for_tls_server(td, leaf, in.now);
    v.result = out.result;
    v.attempts = std::move(out.attempts);
    if (is_fatal(out.result)) {
      v.store_failure = td.store_failure();
      return v;
    }
    if (out.result == Result::Success) {
      v.path = td.built_path();
      v.path_sources = td.path_sources();
      v.root_is_builtin = td.root_is_builtin();
      if (min_bits < 2048 && v.root_is_builtin) v.result = Result::InadequateKeySize;
      break;
    }
  }

  if (v.result != Result::Success) {
    if (leaf_parses) {
      if (v.result == Result::UnknownIssuer && check_issuer_name(leaf_cert.issuer) == Result::EmptyIssuerName) {
        // Before saying "unknown issuer" Firefox prints the issuer's name (to recognise a TLS-inspecting
        // proxy); NSS cannot print an empty name and the verification ends in a DER error instead.
        v.result = Result::BadDer;
      } else if ((v.result == Result::UnknownIssuer || v.result == Result::BadSignature ||
           v.result == Result::InadequateKeyUsage) &&
          self_signed(leaf_cert, signatures)) {
        v.result = Result::SelfSignedCert;
      } else if (v.result == Result::ExpiredCertificate || v.result == Result::NotYetValidCertificate ||
                 v.result == Result::InvalidTime) {
        // A wrong name is the more serious problem of an expired certificate.
        if (check_hostname(leaf_cert, in.host, true) != Result::Success) v.result = Result::BadCertDomain;
      }
    }
  } else {
    // A server certificate that demands OCSP stapling (must-staple) needs a stapled response: certdoctor asks for
    // none, like a server that sends none.
    if (leaf_cert.tls_features) v.result = Result::RequiredTlsFeatureMissing;
    else v.result = check_hostname(leaf_cert, in.host, !v.root_is_builtin);
  }
  v.overridable = facts(v.result).overridable;
  return v;
}

}  // namespace certdoctor
