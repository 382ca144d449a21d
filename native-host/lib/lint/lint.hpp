// `certdoctor lint`: the serial hygiene of a certificate generator, judged from the certificates it made (PEM or DER
// files, folders of them, an OpenSSL CA's index.txt with its newcerts/ folder). Its findings and its input errors are
// rows of the one table of codes (codes/codes.def, CERTDOCTOR_LINT); this room passes facts, the CLI prints them.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor::lint {

enum class LintCode {
#define CERTDOCTOR_LINT(Name, ...) Name,
#include "codes/codes.def"
};

inline constexpr LintCode kLintCodes[] = {
#define CERTDOCTOR_LINT(Name, ...) LintCode::Name,
#include "codes/codes.def"
};

std::string_view code_of(LintCode c);
std::string_view text_of(LintCode c);
bool is_input_error(LintCode c);  // the row's kind is `input`

// One certificate read, where it came from, and what people read of it (names in RFC 4514, as
// describe_certificate gives them).
struct LintedCertificate {
  std::string source;    // the file
  int position = 1;      // its place in the file (PEM files hold several), from 1
  std::string der;
  std::string sha256, subject, issuer, serial_hex, not_before;
};

// A finding about certificates, or an input error about a file: a row's code, its values, and the certificates
// concerned (indexes into LintResult::certificates).
struct LintFinding {
  LintCode code;
  nlohmann::json values = nlohmann::json::object();
  std::vector<std::size_t> certificates;
  std::string text() const;  // the row's text filled with the values
};

struct LintOptions {
  std::vector<std::filesystem::path> inputs;
  std::optional<std::filesystem::path> newcerts;  // an index.txt's certificates (default: newcerts/ next to it)
};

struct LintResult {
  std::vector<LintedCertificate> certificates;  // each DER once, in the order read
  std::vector<LintFinding> findings;             // about the certificates
  std::vector<LintFinding> errors;               // input errors, each naming its file
  int exit_code() const { return !errors.empty() ? 2 : !findings.empty() ? 1 : 0; }
};

// The rules (docs/LINT.md):
//  - reused_serial: the DER issuer Name and the DER serial INTEGER equal (CertKeys::same_identity, as NSS keys a
//    certificate), the DER different;
//  - serial_zero_or_one: the serial's value is 0 or 1;
//  - short_serial: the magnitude of the serial has fewer than 64 significant bits (leading zero octets and the
//    bits above the highest 1 not counted);
//  - negative_serial: the first content octet's high bit is set; long_serial: more than 20 content octets;
//  - counting_serials: per issuer (DER Name), sorted by notBefore (ties in the order read), kMinRun or more
//    certificates in a row each of whose serial exceeds the one before by 1 to kMaxStep;
//  - shared_key: one SubjectPublicKeyInfo (DER) in certificates with different DER.
inline constexpr int kMinRun = 3;
inline constexpr unsigned kMaxStep = 65536;

LintResult lint(const LintOptions& options);
// The same checks over certificates already read (for callers that hold them).
std::vector<LintFinding> check(const std::vector<LintedCertificate>& certificates);

nlohmann::json to_json(const LintResult& r);

}  // namespace certdoctor::lint
