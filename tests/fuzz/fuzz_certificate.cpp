// Fuzz target: bytes from a server. One DER certificate goes through everything certdoctor does with a
// certificate it did not make: the strict parser in both roles, each check, name matching and constraints, path
// building with the certificate as its own candidate issuer (loops, self-signatures), and the description.
#include <cstdint>
#include <string>

#include "certificate/cert_info.hpp"
#include "diagnosis/diagnosis_json.hpp"
#include "pkix/build.hpp"
#include "pkix/names.hpp"
#include "pkix/signature.hpp"

using namespace certdoctor;
using namespace certdoctor::pkix;

namespace {

// Trusts nothing, offers the input itself as every issuer: the builder must end, whatever the bytes say.
struct SelfOnly final : TrustDomain {
  Input der;
  Result get_trust(Role, Input, TrustLevel& level) override {
    level = TrustLevel::inherits_trust;
    return Result::Success;
  }
  Result find_issuers(Input, const IssuerCheck& check) override {
    bool keep_going = true;
    return check(der, keep_going);
  }
  Result is_chain_valid(const std::vector<Input>&) override { return Result::Success; }
  Result check_digest(DigestAlgorithm, Role) override { return Result::Success; }
  Result check_rsa_bits(Role, unsigned bits) override { return bits < 1024 ? Result::InadequateKeySize : Result::Success; }
  Result check_curve(Role, NamedCurve) override { return Result::Success; }
  Result verify_signed_data(const SignedData& sd, Input spki) override { return verify_signature(sd, spki); }
  Result check_revocation(Role, const Input*, bool) override { return Result::Success; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Input in(data, size);
  for (Role role : {Role::end_entity, Role::ca}) {
    Cert c(in, role);
    if (c.init() != Result::Success) continue;
    SelfOnly td;
    td.der = in;
    TrustLevel trust;
    (void)check_issuer_independent_properties(td, c, 1795368600, KeyUsage::digital_signature, KeyPurpose::server_auth, 0,
                                              trust);
    (void)check_hostname(c, "a.example.test", true);
    (void)check_hostname(c, "10.0.0.1", false);
    if (c.name_constraints) (void)check_name_constraints(*c.name_constraints, c, KeyPurpose::server_auth);
    std::int64_t nb = 0, na = 0;
    (void)parse_validity(c.validity, nb, na);
  }
  SelfOnly td;
  td.der = in;
  (void)build_chain(td, in, 1795368600, KeyUsage::digital_signature, KeyPurpose::server_auth);
  const std::string der(reinterpret_cast<const char*>(data), size);
  (void)to_json(describe_certificate(der));
  (void)cert_keys(der);
  return 0;
}
