#include "pkix/der.hpp"

#include <algorithm>
#include <span>
#include <string_view>

namespace certdoctor::pkix {

bool equal(Input a, Input b) {
  return !a.oversized_ && !b.oversized_ && a.size_ == b.size_ && std::equal(a.data_, a.data_ + a.size_, b.data_);
}

Result Reader::read_byte(std::uint8_t& out) {
  if (pos_ >= in_.size_) return Result::BadDer;
  out = in_.data_[pos_++];
  return Result::Success;
}

Result Reader::read_tlv(std::uint8_t& tag, Input& value, Input* tlv) {
  const std::size_t start = pos_;
  CERTDOCTOR_TRY(read_byte(tag));
  if ((tag & 0x1f) == 0x1f) return Result::BadDer;  // high tag numbers never occur in certificates
  std::uint8_t first = 0;
  CERTDOCTOR_TRY(read_byte(first));
  std::size_t length = 0;
  if (first < 0x80) {
    length = first;
  } else if (first == 0x81) {
    std::uint8_t b = 0;
    CERTDOCTOR_TRY(read_byte(b));
    if (b < 0x80) return Result::BadDer;  // should have used the short form
    length = b;
  } else if (first == 0x82) {
    std::uint8_t hi = 0, lo = 0;
    CERTDOCTOR_TRY(read_byte(hi));
    CERTDOCTOR_TRY(read_byte(lo));
    length = (std::size_t{hi} << 8) | lo;
    if (length < 256) return Result::BadDer;  // not minimal
  } else {
    return Result::BadDer;  // indefinite length, or longer than any certificate needs
  }
  if (length > in_.size_ - pos_) return Result::BadDer;
  value = slice(pos_, length);
  pos_ += length;
  if (tlv) *tlv = slice(start, pos_ - start);
  return Result::Success;
}

Result Reader::expect(std::uint8_t tag, Input& value) {
  std::uint8_t actual = 0;
  CERTDOCTOR_TRY(read_tlv(actual, value));
  return actual == tag ? Result::Success : Result::BadDer;
}

Result Reader::expect(std::uint8_t tag, Reader& value) {
  Input v;
  CERTDOCTOR_TRY(expect(tag, v));
  value = Reader(v);
  return Result::Success;
}

Result Reader::expect_tlv(std::uint8_t tag, Input& tlv) {
  std::uint8_t actual = 0;
  Input value;
  CERTDOCTOR_TRY(read_tlv(actual, value, &tlv));
  return actual == tag ? Result::Success : Result::BadDer;
}

bool Reader::match_rest(Input expected) {
  if (!equal(slice(pos_, in_.size_ - pos_), expected)) return false;
  pos_ = in_.size_;
  return true;
}

Input Reader::rest() {
  Input out = slice(pos_, in_.size_ - pos_);
  pos_ = in_.size_;
  return out;
}

namespace {

// The octets of a primitive value already read (a BOOLEAN, an INTEGER, a time), for the checks DER asks of them.
std::span<const std::uint8_t> octets(Input in) {
  const std::string_view s = as_string(in);
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result end(const Reader& r) { return r.at_end() ? Result::Success : Result::BadDer; }

Result boolean(Reader& r, bool& value) {
  Input v;
  CERTDOCTOR_TRY(r.expect(der::BOOLEAN, v));
  if (v.size() != 1) return Result::BadDer;
  if (octets(v)[0] == 0x00) value = false;
  else if (octets(v)[0] == 0xff) value = true;
  else return Result::BadDer;
  return Result::Success;
}

Result optional_boolean(Reader& r, bool& value) {
  value = false;
  return r.peek(der::BOOLEAN) ? boolean(r, value) : Result::Success;
}

Result integer(Reader& r, IntegerRule rule, Input& value, std::size_t* significant) {
  CERTDOCTOR_TRY(r.expect(der::INTEGER, value));
  if (value.empty()) return Result::BadDer;
  const auto o = octets(value);
  if (value.size() > 1) {
    // Nine leading bits that are all equal are redundant: DER wants the shortest form.
    if ((o[0] == 0x00 && !(o[1] & 0x80)) || (o[0] == 0xff && (o[1] & 0x80))) {
      return Result::InvalidIntegerEncoding;
    }
  }
  if (rule == IntegerRule::positive) {
    if (o[0] & 0x80) return Result::BadDer;                    // negative
    if (value.size() == 1 && o[0] == 0) return Result::BadDer;  // zero
  }
  if (significant) *significant = o[0] == 0 ? value.size() - 1 : value.size();
  return Result::Success;
}

Result small_integer(Reader& r, std::uint8_t tag, std::uint8_t& value) {
  Input v;
  CERTDOCTOR_TRY(r.expect(tag, v));
  if (v.size() != 1 || (octets(v)[0] & 0x80)) return Result::BadDer;
  value = octets(v)[0];
  return Result::Success;
}

Result bit_string_no_unused_bits(Reader& r, Input& value) {
  Input v;
  CERTDOCTOR_TRY(r.expect(der::BIT_STRING, v));
  Reader contents(v);
  std::uint8_t unused = 0;
  if (contents.read_byte(unused) != Result::Success || unused != 0) return Result::BadDer;
  value = contents.rest();
  return Result::Success;
}

namespace {

bool digits(Input in, std::size_t at, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t c = octets(in)[at + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::int64_t days_from_civil(int y, int m, int d) {
  // Days since 1970-01-01 of a proleptic Gregorian date.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

Result time_choice(Reader& r, std::int64_t& seconds) {
  const bool utc = r.peek(der::UTCTime);
  Input v;
  CERTDOCTOR_TRY(r.expect(utc ? der::UTCTime : der::GeneralizedTime, v));
  const std::size_t year_len = utc ? 2 : 4;
  if (v.size() != year_len + 11 || octets(v).back() != 'Z') return Result::BadDer;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::size_t p = 0;
  if (!digits(v, p, year_len, year)) return Result::BadDer;
  p += year_len;
  if (!digits(v, p, 2, month) || !digits(v, p + 2, 2, day) || !digits(v, p + 4, 2, hour) ||
      !digits(v, p + 6, 2, minute) || !digits(v, p + 8, 2, second)) {
    return Result::BadDer;
  }
  if (utc) year += year >= 50 ? 1900 : 2000;
  if (year < 1970) return Result::BadDer;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return Result::BadDer;
  const int max_day = kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
  if (day < 1 || day > max_day || hour > 23 || minute > 59 || second > 59) return Result::BadDer;
  seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return Result::Success;
}

}  // namespace certdoctor::pkix
