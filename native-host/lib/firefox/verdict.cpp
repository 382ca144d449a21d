#include "firefox/verdict.hpp"

#include <algorithm>

#include "certificate/cert_info.hpp"
#include "firefox/firefox_trust.hpp"
#include "pkix/checks.hpp"
#include "pkix/names.hpp"
#include "pkix/oids.hpp"
#include "pkix/signature.hpp"

namespace certdoctor {

using namespace pkix;

bool is_overridable(Result r) {
  switch (r) {
    case Result::CaCertInvalid:
    case Result::SignatureAlgorithmDisabled:
    case Result::ExpiredIssuerCertificate:
    case Result::UnknownIssuer:
    case Result::CaCertUsedAsEndEntity:
    case Result::EmptyIssuerName:
    case Result::InadequateKeySize:
    case Result::NotYetValidIssuerCertificate:
    case Result::SelfSignedCert:
    case Result::V1CertUsedAsCa:
    case Result::BadCertDomain:
    case Result::ExpiredCertificate:
    case Result::NotYetValidCertificate:
    case Result::InvalidTime:
      return true;
    default:
      return false;
  }
}

namespace {

bool self_signed(const Cert& c) {
  return equal(c.issuer, c.subject) &&
         verify_signature({c.tbs, c.signature_algorithm, c.signature}, c.spki) == Result::Success;
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

  // The handshake itself fails when NSS already holds another certificate with this issuer and serial.
  if (auto keys = cert_keys(in.chain_der[0])) {
    for (NssStore* store : {in.profile, in.builtins}) {
      if (!store) continue;
      for (const auto& stored : store->by_issuer_serial(keys->issuer_der, keys->serial_der)) {
        const bool gone = store == in.profile &&
                          std::find(in.left_out.begin(), in.left_out.end(), stored.der) != in.left_out.end();
        if (stored.der != in.chain_der[0] && !gone) {
          v.result = Result::ReusedIssuerAndSerial;
          return v;
        }
      }
    }
  }

  const std::vector<std::string>& served = in.chain_der;
  // Firefox first demands 2048-bit RSA keys, then accepts 1024 bits unless the path ends at a built-in root.
  for (unsigned min_bits : {2048u, 1024u}) {
    FirefoxTrustDomain td(in.profile, in.builtins, served, min_bits, in.left_out);
    BuildOutcome out = build_for_tls_server(td, leaf, in.now);
    v.result = out.result;
    v.attempts = std::move(out.attempts);
    if (out.result == Result::Success) {
      v.path = td.built_path();
      for (std::size_t i = 0; i < v.path.size(); ++i) v.path_sources.push_back(i == 0 ? "served" : td.source_of(v.path[i]));
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
          self_signed(leaf_cert)) {
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
  v.overridable = is_overridable(v.result);
  return v;
}

}  // namespace certdoctor
