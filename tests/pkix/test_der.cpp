// The strict DER reader: what Firefox refuses, it refuses too (lengths, integers, booleans, times).
#include <catch2/catch.hpp>

#include <vector>

#include "pkix/der.hpp"

using namespace certdoctor::pkix;
using Bytes = std::vector<std::uint8_t>;

namespace {
Result read_one(const Bytes& b, std::uint8_t& tag, Input& value) {
  Reader r(Input(b.data(), b.size()));
  return r.read_tlv(tag, value);
}
Result read_integer(const Bytes& b, IntegerRule rule = IntegerRule::any) {
  Reader r(Input(b.data(), b.size()));
  Input v;
  return integer(r, rule, v);
}
Result read_time(const std::string& s, std::uint8_t tag, std::int64_t& out) {
  Bytes b = {tag, static_cast<std::uint8_t>(s.size())};
  b.insert(b.end(), s.begin(), s.end());
  Reader r(Input(b.data(), b.size()));
  return time_choice(r, out);
}
}  // namespace

TEST_CASE("DER: lengths must be definite and minimal", "[pkix][der]") {
  std::uint8_t tag = 0;
  Input v;
  CHECK(read_one({0x04, 0x02, 0xaa, 0xbb}, tag, v) == Result::Success);
  CHECK(v.size() == 2);
  CHECK(read_one({0x04, 0x81, 0x02, 0xaa, 0xbb}, tag, v) == Result::BadDer);  // long form for a short length
  CHECK(read_one({0x04, 0x80, 0xaa, 0x00, 0x00}, tag, v) == Result::BadDer);  // indefinite length
  Bytes two(3 + 200, 0x00);
  two[0] = 0x04; two[1] = 0x82; two[2] = 0xc8;  // 0x82 with a length under 256
  two.insert(two.begin() + 2, 0x00);
  CHECK(read_one(two, tag, v) == Result::BadDer);
  CHECK(read_one({0x04, 0x05, 0xaa}, tag, v) == Result::BadDer);            // runs past the end
  CHECK(read_one({0x1f, 0x81, 0x00, 0x00}, tag, v) == Result::BadDer);      // high tag number
  Bytes ok(3 + 130, 0x11);
  ok[0] = 0x04; ok[1] = 0x81; ok[2] = 130;
  CHECK(read_one(ok, tag, v) == Result::Success);
  CHECK(v.size() == 130);
}

TEST_CASE("DER: integers must be minimal, positive ones must be positive", "[pkix][der]") {
  CHECK(read_integer({0x02, 0x01, 0x00}) == Result::Success);
  CHECK(read_integer({0x02, 0x02, 0x00, 0x80}) == Result::Success);
  CHECK(read_integer({0x02, 0x02, 0x00, 0x7f}) == Result::InvalidIntegerEncoding);
  CHECK(read_integer({0x02, 0x02, 0xff, 0x80}) == Result::InvalidIntegerEncoding);
  CHECK(read_integer({0x02, 0x00}) == Result::BadDer);
  CHECK(read_integer({0x02, 0x01, 0x80}, IntegerRule::positive) == Result::BadDer);
  CHECK(read_integer({0x02, 0x01, 0x00}, IntegerRule::positive) == Result::BadDer);
}

TEST_CASE("DER: BOOLEAN is 00 or FF", "[pkix][der]") {
  auto parse = [](Bytes b) {
    Reader r(Input(b.data(), b.size()));
    bool v = false;
    return boolean(r, v);
  };
  CHECK(parse({0x01, 0x01, 0xff}) == Result::Success);
  CHECK(parse({0x01, 0x01, 0x00}) == Result::Success);
  CHECK(parse({0x01, 0x01, 0x01}) == Result::BadDer);
  CHECK(parse({0x01, 0x02, 0xff, 0xff}) == Result::BadDer);
}

TEST_CASE("DER: times in their strict forms, from 1970 on", "[pkix][der]") {
  std::int64_t t = 0;
  REQUIRE(read_time("700101000000Z", 0x17, t) == Result::Success);
  CHECK(t == 0);
  REQUIRE(read_time("20261122173000Z", 0x18, t) == Result::Success);
  CHECK(t == 1795368600);
  REQUIRE(read_time("491231235959Z", 0x17, t) == Result::Success);  // UTCTime 49 is 2049
  CHECK(t == 2524607999);
  CHECK(read_time("19691231235959Z", 0x18, t) == Result::BadDer);
  CHECK(read_time("2602291200Z", 0x17, t) == Result::BadDer);        // seconds missing
  CHECK(read_time("260229120000Z", 0x17, t) == Result::BadDer);      // 2026 is no leap year
  CHECK(read_time("240229120000Z", 0x17, t) == Result::Success);
  CHECK(read_time("260101120000+0100", 0x17, t) == Result::BadDer);  // offsets are not DER
  CHECK(read_time("20260101120000.5Z", 0x18, t) == Result::BadDer);  // fractions neither
  CHECK(read_time("260101246000Z", 0x17, t) == Result::BadDer);
}
