#include "lint/lint.hpp"

#include <openssl/bn.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "audit/scan_input.hpp"
#include "base/hex.hpp"
#include "base/template.hpp"
#include "certificate/cert_info.hpp"
#include "pkix/der.hpp"

namespace certdoctor::lint {

using nlohmann::json;
namespace fs = std::filesystem;

std::string_view code_of(LintCode c) {
  switch (c) {
#define CERTDOCTOR_LINT(Name, code, kind, text) \
  case LintCode::Name:                          \
    return #code;
#include "codes/codes.def"
  }
  return "";
}

std::string_view text_of(LintCode c) {
  switch (c) {
#define CERTDOCTOR_LINT(Name, code, kind, text) \
  case LintCode::Name:                          \
    return text;
#include "codes/codes.def"
  }
  return "";
}

bool is_input_error(LintCode c) {
  switch (c) {
#define CERTDOCTOR_LINT(Name, code, kind, text) \
  case LintCode::Name:                          \
    return std::string_view(#kind) == "input";
#include "codes/codes.def"
  }
  return false;
}

std::string LintFinding::text() const { return render_template(text_of(code), values); }

namespace {

// The serial INTEGER's content octets (two's complement, as encoded), from the DER TLV NSS indexes.
std::string serial_content(const CertKeys& keys) {
  pkix::Reader r(pkix::as_input(keys.serial_der));
  pkix::Input content;
  if (r.expect(pkix::der::INTEGER, content) != pkix::Result::Success) return "";
  return std::string(pkix::as_string(content));
}

bool negative(std::string_view content) { return !content.empty() && (static_cast<unsigned char>(content[0]) & 0x80); }

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

// The value of a serial that is not negative (big-endian magnitude); null for a negative one, which is reported on
// its own and takes part in no count.
BnPtr serial_value(std::string_view content) {
  if (content.empty() || negative(content)) return BnPtr(nullptr, BN_free);
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(content.data()), static_cast<int>(content.size()), nullptr),
               BN_free);
}

void add(std::vector<LintFinding>& out, LintCode c, json values, std::vector<std::size_t> certs = {}) {
  out.push_back({c, std::move(values), std::move(certs)});
}

// The issuer of a group, in RFC 4514 as describe_certificate gives it.
std::string issuer_name(const std::vector<LintedCertificate>& certs, std::size_t i) { return certs[i].issuer; }

}  // namespace

std::vector<LintFinding> check(const std::vector<LintedCertificate>& certs) {
  std::vector<LintFinding> out;
  std::vector<CertKeys> keys;
  for (const auto& c : certs) keys.push_back(cert_keys(c.der).value_or(CertKeys{}));

  // Each certificate's serial on its own.
  for (std::size_t i = 0; i < certs.size(); ++i) {
    const std::string content = serial_content(keys[i]);
    const std::string hex = to_hex(content);
    if (content.empty()) continue;
    if (negative(content)) {
      add(out, LintCode::NegativeSerial, {{"serial", hex}}, {i});
    } else {
      const BnPtr v = serial_value(content);
      if (v && (BN_is_zero(v.get()) || BN_is_one(v.get()))) {
        add(out, LintCode::SerialZeroOrOne, {{"serial", hex}}, {i});
      } else if (v && BN_num_bits(v.get()) < 64) {
        add(out, LintCode::ShortSerial, {{"serial", hex}, {"bits", BN_num_bits(v.get())}}, {i});
      }
    }
    if (content.size() > 20) add(out, LintCode::LongSerial, {{"serial", hex}, {"octets", content.size()}}, {i});
  }

  // Issuer and serial reused with other content: groups of one identity (the DER is unique in `certs`).
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> by_identity;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    if (!keys[i].issuer_der.empty()) by_identity[{keys[i].issuer_der, keys[i].serial_der}].push_back(i);
  }
  for (const auto& [identity, members] : by_identity) {
    if (members.size() < 2 || !keys[members[0]].same_identity(keys[members[1]])) continue;
    add(out, LintCode::ReusedIdentity,
        {{"certificates", members.size()}, {"issuer", issuer_name(certs, members[0])},
         {"serial", to_hex(serial_content(keys[members[0]]))}},
        members);
  }

  // Serials that count up: per issuer, in order of notBefore (ISO 8601 UTC sorts as text; ties keep the order read).
  std::map<std::string, std::vector<std::size_t>> by_issuer;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    if (!keys[i].issuer_der.empty()) by_issuer[keys[i].issuer_der].push_back(i);
  }
  BnPtr step(BN_new(), BN_free), max_step(BN_new(), BN_free);
  BN_set_word(max_step.get(), kMaxStep);
  for (auto& [issuer, members] : by_issuer) {
    std::stable_sort(members.begin(), members.end(),
                     [&](std::size_t a, std::size_t b) { return certs[a].not_before < certs[b].not_before; });
    std::vector<std::size_t> run;
    auto flush = [&] {
      if (static_cast<int>(run.size()) >= kMinRun) {
        add(out, LintCode::CountingSerials,
            {{"certificates", run.size()}, {"issuer", issuer_name(certs, run.front())}, {"step", kMaxStep},
             {"first", certs[run.front()].serial_hex}, {"last", certs[run.back()].serial_hex}},
            run);
      }
      run.clear();
    };
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::size_t i = members[k];
      const std::string content = serial_content(keys[i]);
      bool continues = false;
      if (!run.empty() && !content.empty()) {
        const std::string prev = serial_content(keys[run.back()]);
        BnPtr a = serial_value(prev), b = serial_value(content);
        if (a && b && BN_sub(step.get(), b.get(), a.get()) == 1) {
          continues = !BN_is_negative(step.get()) && !BN_is_zero(step.get()) && BN_cmp(step.get(), max_step.get()) <= 0;
        }
      }
      if (!continues) flush();
      if (!content.empty() && !negative(content)) run.push_back(i);
    }
    flush();
  }

  // One key behind several certificates.
  std::map<std::string, std::vector<std::size_t>> by_key;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    if (!keys[i].spki_der.empty()) by_key[keys[i].spki_der].push_back(i);
  }
  for (const auto& [spki, members] : by_key) {
    if (members.size() < 2) continue;
    add(out, LintCode::SharedKey, {{"certificates", members.size()}, {"spki_sha256", sha256_hex(spki)}}, members);
  }
  return out;
}

namespace {

struct Reading {
  LintResult& result;
  std::set<std::string> seen;  // the DER of every certificate kept: a file read twice is one certificate

  void error(LintCode c, json values) { add(result.errors, c, std::move(values)); }

  // Keeps one certificate; false when the bytes are not one.
  bool keep(const std::string& der, const std::string& source, int position) {
    const auto keys = cert_keys(der);
    if (!keys) return false;
    const CertificateDescription d = describe_certificate(der);
    if (d.parse_error) return false;
    if (!seen.insert(der).second) return true;
    result.certificates.push_back({source, position, der, d.sha256, d.subject, d.issuer, d.serial, d.not_before});
    return true;
  }

  static bool read_bytes(const fs::path& p, std::string& out, std::string& reason) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      std::error_code ec;
      reason = !fs::exists(p, ec) ? "no such file" : "permission denied or not a regular file";
      return false;
    }
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) {
      reason = "read error";
      return false;
    }
    out = s.str();
    return true;
  }

  static bool looks_like_index(std::string_view text) {
    std::istringstream in{std::string(text)};
    std::string line;
    bool any = false;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (std::count(line.begin(), line.end(), '\t') != 5 || line.size() < 2 || std::string("VRE").find(line[0]) == std::string::npos ||
          line[1] != '\t') {
        return false;
      }
      any = true;
    }
    return any;
  }

  // An OpenSSL CA's index.txt: status, expiry, revocation, serial (hex), file name ("unknown": SERIAL.pem in the
  // certificates' folder), subject; tab-separated, one issued certificate a line.
  void read_index(const fs::path& index, std::string_view text, const std::optional<fs::path>& newcerts) {
    const fs::path folder = newcerts ? *newcerts : index.parent_path() / "newcerts";
    std::istringstream in{std::string(text)};
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      std::vector<std::string> cols;
      std::stringstream ls(line);
      for (std::string col; std::getline(ls, col, '\t');) cols.push_back(col);
      if (cols.size() < 6 || cols[3].empty()) {
        error(LintCode::BadIndexLine, {{"file", index.string()}, {"line", number}});
        continue;
      }
      fs::path cert = cols[4] == "unknown" || cols[4].empty() ? folder / (cols[3] + ".pem") : fs::path(cols[4]);
      if (cert.is_relative() && cols[4] != "unknown" && !cols[4].empty()) cert = index.parent_path() / cert;
      std::string bytes, reason;
      if (!read_bytes(cert, bytes, reason)) {
        error(LintCode::MissingIssuedFile,
              {{"file", index.string()}, {"line", number}, {"serial", cols[3]}, {"path", cert.string()}});
        continue;
      }
      read_certificates(cert, bytes, true);
    }
  }

  // A PEM file (every certificate in it) or one DER certificate. `named`: the user named it (or an index did), so a
  // file without certificates is an error; in a folder it is some other file (a key, a CSR) and is passed over.
  bool read_certificates(const fs::path& p, const std::string& bytes, bool named) {
    const std::string source = p.string();
    if (bytes.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
      int position = 0;
      for (const auto& der : audit::pem_certificates(bytes)) {
        ++position;
        if (!keep(der, source, position)) error(LintCode::BadCertificate, {{"file", source}, {"position", position}});
      }
      return true;
    }
    if (keep(bytes, source, 1)) return true;
    if (named) error(LintCode::NotACertificate, {{"file", source}});
    return false;
  }

  void read_file(const fs::path& p, const std::optional<fs::path>& newcerts) {
    std::string bytes, reason;
    if (!read_bytes(p, bytes, reason)) {
      error(LintCode::Unreadable, {{"file", p.string()}, {"reason", reason}});
      return;
    }
    if (bytes.find("-----BEGIN CERTIFICATE-----") == std::string::npos && !cert_keys(bytes) && looks_like_index(bytes)) {
      read_index(p, bytes, newcerts);
      return;
    }
    read_certificates(p, bytes, true);
  }

  // A folder: its certificate files (by their ending), in its subfolders too, in name order.
  void read_folder(const fs::path& dir) {
    static const std::set<std::string> endings{".pem", ".crt", ".cer", ".der", ".cert"};
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && endings.count(it->path().extension().string())) files.push_back(it->path());
    }
    if (ec) error(LintCode::Unreadable, {{"file", dir.string()}, {"reason", ec.message()}});
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string bytes, reason;
      if (!read_bytes(f, bytes, reason)) {
        error(LintCode::Unreadable, {{"file", f.string()}, {"reason", reason}});
        continue;
      }
      read_certificates(f, bytes, false);
    }
  }
};

}  // namespace

LintResult lint(const LintOptions& options) {
  LintResult result;
  Reading reading{result, {}};
  for (const auto& input : options.inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      reading.read_folder(input);
    } else {
      reading.read_file(input, options.newcerts);
    }
  }
  result.findings = check(result.certificates);
  return result;
}

json to_json(const LintResult& r) {
  json out = {{"exit_code", r.exit_code()}, {"certificates", json::array()}, {"findings", json::array()},
              {"errors", json::array()}};
  for (std::size_t i = 0; i < r.certificates.size(); ++i) {
    const auto& c = r.certificates[i];
    out["certificates"].push_back({{"index", i}, {"file", c.source}, {"position", c.position}, {"sha256", c.sha256},
                                   {"subject", c.subject}, {"issuer", c.issuer}, {"serial", c.serial_hex},
                                   {"not_before", c.not_before}});
  }
  for (const auto& f : r.findings) {
    out["findings"].push_back(
        {{"code", code_of(f.code)}, {"text", f.text()}, {"values", f.values}, {"certificates", f.certificates}});
  }
  for (const auto& e : r.errors) {
    out["errors"].push_back({{"code", code_of(e.code)}, {"text", e.text()}, {"values", e.values}});
  }
  return out;
}

}  // namespace certdoctor::lint
