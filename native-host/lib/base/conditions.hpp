// The conditions certdoctor finds itself (a site it cannot reach, a stored certificate in the way, a profile it
// cannot use, ...), as opposed to the errors Firefox shows (pkix/result.hpp): one Condition per CERTDOCTOR_CONDITION
// row of the one table of codes (codes/codes.def), named by its lower-case code, the one the protocol carries.
// Code names a Condition, never a string, so a misspelt condition does not compile.
#pragma once
#include <string_view>

namespace certdoctor {

enum class Condition {
#define CERTDOCTOR_CONDITION(name, ...) name,
#include "codes/codes.def"
};

// The condition's code, as the protocol and the error table write it.
constexpr std::string_view code_of(Condition c) {
  switch (c) {
#define CERTDOCTOR_CONDITION(name, ...) \
  case Condition::name:                 \
    return #name;
#include "codes/codes.def"
  }
  return "";
}

// Every condition, for tables and tests.
inline constexpr Condition kConditions[] = {
#define CERTDOCTOR_CONDITION(name, ...) Condition::name,
#include "codes/codes.def"
};

}  // namespace certdoctor
