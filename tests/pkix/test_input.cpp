// Input, the view of DER bytes every check reads: only a Reader reads it, and it holds at most 65535 bytes, so
// that nothing longer reaches the checks (mozilla::pkix's Input).
#include <catch2/catch.hpp>

#include <string>

#include "pkix/der.hpp"

using namespace certdoctor::pkix;

TEST_CASE("Input: a size cap, an oversized input reads as nothing and equals nothing", "[pkix][der][input]") {
  const std::string fits(Input::kMaxSize, '\x30'), too_long(Input::kMaxSize + 1, '\x30');
  CHECK(as_input(fits).size() == Input::kMaxSize);
  CHECK_FALSE(as_input(fits).oversized());
  const Input big = as_input(too_long);
  CHECK(big.oversized());
  CHECK(big.empty());
  CHECK(as_string(big).empty());
  CHECK_FALSE(equal(big, big));
  CHECK_FALSE(equal(big, as_input(std::string())));
  Reader r(big);
  std::uint8_t tag = 0;
  Input value;
  CHECK(r.read_tlv(tag, value) == Result::BadDer);
}

TEST_CASE("Input: a Reader reads inside it and never past its end", "[pkix][der][input]") {
  const std::uint8_t bytes[] = {0x04, 0x02, 0xab, 0xcd, 0x05, 0x00};
  Reader r{Input(bytes)};
  Input octets;
  REQUIRE(r.expect(der::OCTET_STRING, octets) == Result::Success);
  CHECK(octets.size() == 2);
  CHECK(as_string(octets) == "\xab\xcd");
  const std::uint8_t expected[] = {0xab, 0xcd};
  CHECK(equal(octets, Input(expected)));
  CHECK(r.skip(der::NULL_TAG) == Result::Success);
  CHECK(r.at_end());
  std::uint8_t b = 0;
  CHECK(r.read_byte(b) == Result::BadDer);
  // A length that runs past the end is refused, not read.
  const std::uint8_t cut[] = {0x04, 0x05, 0xab};
  Reader c{Input(cut)};
  CHECK(c.expect(der::OCTET_STRING, octets) == Result::BadDer);
}
