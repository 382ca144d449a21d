// Why a certificate store (a profile's cert9.db, a PKCS#11 module) could not be opened or changed.
#pragma once
#include <stdexcept>
#include <string>

namespace certdoctor {

// `code` is a row of the error table (store_*): the same words whether the failure ends a request or becomes a
// finding in a diagnosis.
class StoreError : public std::runtime_error {
 public:
  StoreError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace certdoctor
