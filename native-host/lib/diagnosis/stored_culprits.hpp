// Every stored certificate that makes Firefox refuse a site, named, with what removing it would change. Beyond
// the conflicts of conflicts.hpp: a stored distrust entry (Firefox then says SEC_ERROR_UNTRUSTED_ISSUER or
// SEC_ERROR_UNTRUSTED_CERT) and a stale trusted anchor named like an issuer on the chain (expired, not yet valid,
// or another key). Each is judged again as if it were gone (firefox_verdict with `left_out`), so that "what
// removing it changes" is the verdict's own answer, never a guess.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "diagnosis/conflicts.hpp"
#include "firefox/verdict.hpp"

namespace certdoctor {

struct CulpritInput {
  NssStore* profile = nullptr;
  NssStore* builtins = nullptr;
  const std::vector<std::string>* chain_der = nullptr;  // as served, leaf first
  std::string host, url, profile_dir;
  std::int64_t now = 0;
  pkix::Result current = pkix::Result::Success;  // the verdict with everything stored
};

// Distrust entries and stale anchors not among the conflicts found already whose removal changes the verdict:
// appended to report.conflicts (reason "distrusted" or "stale_anchor") with a finding each ("stored_distrust",
// "stale_anchor").
void find_stored_culprits(const CulpritInput& in, ConflictReport& report);

// For each conflict: its `removal` (the verdict judged again without it), and the same facts in its finding's
// values (after_error, after_root), when it has one.
void add_removal_effects(const CulpritInput& in, ConflictReport& report);

}  // namespace certdoctor
