// A request that cannot be carried out at all (bad URL, wrong field type, ...), as opposed to a finding about
// the site. The code is one of the stable error codes listed in docs/PROTOCOL.md.
#pragma once
#include <stdexcept>
#include <string>

namespace certdoctor {

class RequestError : public std::runtime_error {
 public:
  RequestError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace certdoctor
