#include "firefox/held_identity.hpp"

namespace certdoctor {

TwinPrediction predict_twin(const Verdict& twin) {
  TwinPrediction p;
  p.refused = twin.result == pkix::Result::Success && !twin.path.empty();
  p.measured = kUntrustedTwinRefusals;
  return p;
}

ShownError with_held_identity(ShownError shown, const std::optional<std::string>& reported, bool held_identity_explains) {
  if (!held_identity_explains || !reported || *reported != pkix::firefox_code(pkix::Result::ReusedIssuerAndSerial)) {
    return shown;
  }
  shown.error = pkix::Result::ReusedIssuerAndSerial;
  shown.exception_applies = false;
  shown.overridable = false;
  return shown;
}

}  // namespace certdoctor
