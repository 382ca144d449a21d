// A test that cannot run on this machine says so and why, instead of passing. Catch2 2 has no SKIP(), so the test
// prints one marked line (a Catch2 warning, shown whether or not the test passes) and returns; tests/CMakeLists.txt
// gives every Catch2 entry the SKIP_REGULAR_EXPRESSION that turns that line into CTest's "Skipped", and
// tools/test.sh fails CI on any skipped entry, naming the reason.
#pragma once
#include <catch2/catch.hpp>

// The marker CTest matches (tests/CMakeLists.txt, kSkipMarker there, without this trailing space); keep the two equal.
#define CERTDOCTOR_SKIP_MARKER "certdoctor-test-skipped: "

// Ends the current test as skipped with `reason` (a stream expression, as for WARN).
#define CERTDOCTOR_SKIP(reason)              \
  do {                                       \
    WARN(CERTDOCTOR_SKIP_MARKER << reason);  \
    return;                                  \
  } while (false)
