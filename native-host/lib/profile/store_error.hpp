// Why a certificate store (a profile's cert9.db, a PKCS#11 module) could not be opened or changed.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/conditions.hpp"

namespace certdoctor {

// `code` is a row of the error table (store_*): the same words whether the failure ends a request or becomes a
// finding in a diagnosis.
class StoreError : public std::runtime_error {
 public:
  StoreError(Condition condition, const std::string& message) : std::runtime_error(message), condition_(condition) {}
  Condition condition() const noexcept { return condition_; }
  std::string_view code() const noexcept { return code_of(condition_); }

 private:
  Condition condition_;
};

}  // namespace certdoctor
