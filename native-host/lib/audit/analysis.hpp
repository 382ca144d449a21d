// One endpoint judged: the verdict Firefox would give for its chain with the trust set, the device its
// certificate comes from, what the handshake showed, expiry, weak keys and signatures. The same verdict code as
// `certdoctor diagnose` (firefox/verdict), never another verifier.
#pragma once
#include <cstdint>

#include "audit/observation.hpp"
#include "audit/report.hpp"
#include "audit/trust_set.hpp"

namespace certdoctor::audit {

struct AnalysisOptions {
  std::int64_t now = 0;    // seconds since the epoch
  int expiring_days = 30;  // a leaf expiring within this many days is reported
};

EndpointReport analyse(const Observation& o, const TrustSet& trust, const AnalysisOptions& options);

}  // namespace certdoctor::audit
