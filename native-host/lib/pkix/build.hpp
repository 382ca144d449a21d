// Path building as Firefox does it: depth first from the end entity towards a trust anchor, trying each candidate
// issuer the trust domain offers, with Firefox's rules for which error wins when every path fails.
#pragma once
#include <string>
#include <vector>

#include "pkix/checks.hpp"

namespace certdoctor::pkix {

// One issuer tried for one subject, and what came of it: enough to explain a failure afterwards.
struct Attempt {
  std::string subject_der;
  std::string issuer_der;
  Result result;
  unsigned depth;  // 0: issuers of the end entity
};

struct BuildOutcome {
  Result result = Result::UnknownError;
  std::vector<Attempt> attempts;
};

BuildOutcome build_chain(TrustDomain& td, Input end_entity, std::int64_t now, KeyUsage required_ku,
                         KeyPurpose required_eku);

}  // namespace certdoctor::pkix
