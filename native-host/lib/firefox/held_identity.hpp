// An identity Firefox holds in memory: what a site's twin (another site whose certificate has this one's issuer and
// serial but other bytes) makes Firefox do, as measured in Firefox ESR 153.8 on sequences of visits in one session
// (tests/truth/sequences.json, recorded by tests/browser/truth-sequences.mjs; its `check` holds certdoctor's answers
// and the frequency below to the recording):
//   - a twin accepted through a trust anchor makes Firefox refuse the other one with
//     SEC_ERROR_REUSED_ISSUER_AND_SERIAL, with no bypass, every time;
//   - a twin that was not (self-signed, under an untrusted CA, loaded only through an exception) rarely does: the
//     other showed its own error with the bypass, or loaded, in all but the recorded fraction of visits.
// The one rule that turns this into a verdict lives here; the diagnosis only feeds it the facts.
#pragma once
#include <optional>
#include <string>

#include "firefox/shown_error.hpp"
#include "firefox/verdict.hpp"

namespace certdoctor {

// Visits to a twin after a twin not accepted through a trust anchor, and how many Firefox refused with the reused
// serial, in the recorded runs (truth-sequences.mjs `check` fails when these differ from tests/truth/sequences.json).
struct TwinFrequency {
  int refused = 0;
  int visits = 0;
};
inline constexpr TwinFrequency kUntrustedTwinRefusals{0, 12};

// What Firefox does with this site while a twin is held in memory.
struct TwinPrediction {
  bool refused = false;  // sure: the twin loads through a trust anchor; otherwise "may be refused", at `measured`
  TwinFrequency measured;
};

// From the twin's own verdict with the same profile and built-in roots: it loads through a trust anchor when its
// chain is accepted with a path to one (an exception is not an anchor: measured, it does not make Firefox refuse).
TwinPrediction predict_twin(const Verdict& twin);

// What the page shows once the identity held in memory is counted. When Firefox reported the reused serial and an
// identity held in memory explains it (a compared twin, or, when no other sites were compared, nothing stored that
// could), the page shows SEC_ERROR_REUSED_ISSUER_AND_SERIAL, which no exception lets through: Firefox checks the
// identity in the handshake, before the chain is judged. Otherwise `shown` stays as it is.
ShownError with_held_identity(ShownError shown, const std::optional<std::string>& reported, bool held_identity_explains);

}  // namespace certdoctor
