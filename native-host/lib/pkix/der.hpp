// A bounds-checked DER reader as strict as Firefox's: definite, minimal lengths only (short form below 128, one
// length byte only from 128, two only from 256, nothing beyond 65535), no high tag numbers, BOOLEAN as 00/FF,
// minimal INTEGERs. Every read either succeeds inside its buffer or fails with a Result; nothing is copied.
#pragma once
#include <cstdint>
#include <cstddef>
#include <string_view>

#include "pkix/result.hpp"

namespace certdoctor::pkix {

// Bytes of DER, shaped like mozilla::pkix's Input so that it is hard to misuse: it offers no indexing and no
// iteration (its contents are read with a Reader), it holds at most kMaxSize bytes (longer input is "oversized": every
// read of it fails with BadDer and it equals nothing), and it never owns what it points to. as_string() hands the
// bytes to code outside the algorithm (a database lookup, OpenSSL's arithmetic) and is named so that it stands out.
class Input {
 public:
  static constexpr std::size_t kMaxSize = 65535;  // no certificate field is longer; DER lengths above are refused

  constexpr Input() = default;
  template <std::size_t N>
  constexpr Input(const std::uint8_t (&bytes)[N]) : data_(bytes), size_(N) {
    static_assert(N <= kMaxSize, "an Input holds at most 65535 bytes");
  }
  constexpr Input(const std::uint8_t* data, std::size_t size)
      : data_(data), size_(size <= kMaxSize ? size : 0), oversized_(size > kMaxSize) {}

  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr bool oversized() const { return oversized_; }

 private:
  friend class Reader;
  friend bool equal(Input a, Input b);
  friend std::string_view as_string(Input in);
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool oversized_ = false;
};

inline Input as_input(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
// The bytes, for code outside path building; an oversized Input gives none.
inline std::string_view as_string(Input in) { return {reinterpret_cast<const char*>(in.data_), in.size_}; }
bool equal(Input a, Input b);  // byte for byte; an oversized Input equals nothing

namespace der {
enum : std::uint8_t {
  BOOLEAN = 0x01, INTEGER = 0x02, BIT_STRING = 0x03, OCTET_STRING = 0x04, NULL_TAG = 0x05, OID = 0x06,
  UTF8String = 0x0c, PrintableString = 0x13, TeletexString = 0x14, IA5String = 0x16, UTCTime = 0x17,
  GeneralizedTime = 0x18, UniversalString = 0x1c, BMPString = 0x1e,
  SEQUENCE = 0x30, SET = 0x31,
  CONTEXT = 0x80, CONSTRUCTED = 0x20,
};
}  // namespace der

class Reader {
 public:
  Reader() = default;
  explicit Reader(Input in) : in_(in) {}

  bool at_end() const { return pos_ == in_.size_; }
  bool peek(std::uint8_t tag) const { return pos_ < in_.size_ && in_.data_[pos_] == tag; }
  Result read_byte(std::uint8_t& out);
  // One TLV: its tag and value; `tlv`, when given, receives the whole encoding.
  Result read_tlv(std::uint8_t& tag, Input& value, Input* tlv = nullptr);
  Result expect(std::uint8_t tag, Input& value);
  Result expect(std::uint8_t tag, Reader& value);
  Result expect_tlv(std::uint8_t tag, Input& tlv);
  Result skip(std::uint8_t tag) { Input ignored; return expect(tag, ignored); }
  // Consumes the rest when it equals `expected`.
  bool match_rest(Input expected);
  Input rest();  // consumes and returns what is left

 private:
  Input slice(std::size_t from, std::size_t length) const { return Input(in_.data_ + from, length); }
  Input in_;
  std::size_t pos_ = 0;
};

Result end(const Reader& r);  // BadDer unless everything was read

// Reads `tag` and hands its contents to `f`, which must consume all of it.
template <typename F>
Result nested(Reader& r, std::uint8_t tag, F&& f) {
  Reader inner;
  CERTDOCTOR_TRY(r.expect(tag, inner));
  CERTDOCTOR_TRY(f(inner));
  return end(inner);
}

// SEQUENCE OF / SET OF: `f` runs on each element's contents.
template <typename F>
Result nested_of(Reader& r, std::uint8_t outer, std::uint8_t inner_tag, bool empty_allowed, F&& f) {
  Reader inner;
  CERTDOCTOR_TRY(r.expect(outer, inner));
  if (inner.at_end()) return empty_allowed ? Result::Success : Result::BadDer;
  while (!inner.at_end()) CERTDOCTOR_TRY(nested(inner, inner_tag, f));
  return Result::Success;
}

Result boolean(Reader& r, bool& value);
Result optional_boolean(Reader& r, bool& value);  // BOOLEAN DEFAULT FALSE (an explicit FALSE is tolerated)

enum class IntegerRule { any, positive };
// An INTEGER's content octets; `significant` gets their number without a leading zero octet.
Result integer(Reader& r, IntegerRule rule, Input& value, std::size_t* significant = nullptr);
Result small_integer(Reader& r, std::uint8_t tag, std::uint8_t& value);  // 0..127
Result bit_string_no_unused_bits(Reader& r, Input& value);

// UTCTime or GeneralizedTime in their DER forms (seconds present, 'Z'), from 1970 on; seconds since the epoch.
Result time_choice(Reader& r, std::int64_t& seconds);

}  // namespace certdoctor::pkix
