#include "pkix/names.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "pkix/oids.hpp"

namespace certdoctor::pkix {
namespace {

// GeneralName CHOICE tags.
enum : std::uint8_t {
  kOtherName = der::CONTEXT | der::CONSTRUCTED | 0, kRfc822Name = der::CONTEXT | 1, kDnsName = der::CONTEXT | 2,
  kX400Address = der::CONTEXT | der::CONSTRUCTED | 3, kDirectoryName = der::CONTEXT | der::CONSTRUCTED | 4,
  kEdiPartyName = der::CONTEXT | der::CONSTRUCTED | 5, kUri = der::CONTEXT | 6, kIpAddress = der::CONTEXT | 7,
  kRegisteredId = der::CONTEXT | 8,
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequal(s.substr(s.size() - suffix.size()), suffix);
}

std::vector<std::string_view> split_labels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool parse_ip(std::string_view s, std::string& out) {
  std::string z(s);
  unsigned char buf[16];
  if (inet_pton(AF_INET, z.c_str(), buf) == 1) {
    out.assign(reinterpret_cast<char*>(buf), 4);
    return true;
  }
  if (inet_pton(AF_INET6, z.c_str(), buf) == 1) {
    out.assign(reinterpret_cast<char*>(buf), 16);
    return true;
  }
  return false;
}

// Presented DNS-ID (from the certificate) against the reference (the host the user asked for).
bool dns_id_matches(std::string_view presented, std::string_view reference) {
  if (!reference.empty() && reference.back() == '.') reference.remove_suffix(1);
  if (presented.starts_with("*.")) {
    auto dot = reference.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    return iequal(presented.substr(1), reference.substr(dot));
  }
  return iequal(presented, reference);
}

// A presented DNS name inside a dNSName constraint ("example.com" covers it and its subdomains,
// ".example.com" only subdomains, "" everything).
bool dns_id_in_constraint(std::string_view presented, std::string_view constraint, bool excluded = false) {
  if (constraint.empty()) return true;
  // Against an excluded subtree a wildcard counts as every name it could stand for: "*.example.com" is
  // excluded by "bar.example.com". A permitted subtree must hold all of them.
  if (excluded && presented.starts_with("*.")) {
    std::string_view c = constraint.front() == '.' ? constraint.substr(1) : constraint;
    auto dot = c.find('.');
    if (dot != std::string_view::npos && dot > 0 && iequal(c.substr(dot), presented.substr(1))) return true;
  }
  if (constraint.front() == '.') return iends_with(presented, constraint);
  if (iequal(presented, constraint)) return true;
  return presented.size() > constraint.size() && iends_with(presented, constraint) &&
         presented[presented.size() - constraint.size() - 1] == '.';
}

bool ip_in_constraint(Input presented, Input constraint, Result& error) {
  if (constraint.size() != 8 && constraint.size() != 32) {
    error = Result::BadDer;
    return false;
  }
  const std::size_t n = constraint.size() / 2;
  std::uint8_t address[16] = {}, mask[16] = {}, ip[16] = {};
  Reader c(constraint);
  for (std::size_t i = 0; i < n; ++i) c.read_byte(address[i]);
  for (std::size_t i = 0; i < n; ++i) c.read_byte(mask[i]);
  // The mask must be a prefix: ones, then zeros.
  bool zeros = false;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t m = mask[i];
    for (int bit = 7; bit >= 0; --bit) {
      bool one = m & (1u << bit);
      if (zeros && one) { error = Result::BadDer; return false; }
      if (!one) zeros = true;
    }
  }
  if (presented.size() != n) return false;  // IPv4 never matches an IPv6 constraint, and vice versa
  Reader p(presented);
  for (std::size_t i = 0; i < n; ++i) p.read_byte(ip[i]);
  for (std::size_t i = 0; i < n; ++i) {
    if ((ip[i] & mask[i]) != (address[i] & mask[i])) return false;
  }
  return true;
}

bool rfc822_in_constraint(std::string_view mailbox, std::string_view constraint) {
  auto at = mailbox.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view domain = mailbox.substr(at + 1);
  if (constraint.find('@') != std::string_view::npos) {
    auto cat = constraint.rfind('@');
    return mailbox.substr(0, at) == constraint.substr(0, cat) && iequal(domain, constraint.substr(cat + 1));
  }
  return dns_id_in_constraint(domain, constraint);
}

// Name (SEQUENCE OF RDN) prefix match, RDN by RDN, byte for byte.
bool directory_name_in_constraint(Input name_tlv, Input constraint_tlv) {
  Reader n(name_tlv), c(constraint_tlv);
  Reader nr, cr;
  if (n.expect(der::SEQUENCE, nr) != Result::Success || c.expect(der::SEQUENCE, cr) != Result::Success) return false;
  while (!cr.at_end()) {
    std::uint8_t t1 = 0, t2 = 0;
    Input v1, v2, tlv1, tlv2;
    if (cr.read_tlv(t2, v2, &tlv2) != Result::Success) return false;
    if (nr.at_end() || nr.read_tlv(t1, v1, &tlv1) != Result::Success) return false;
    if (!equal(tlv1, tlv2)) return false;
  }
  return true;
}

struct Name {
  std::uint8_t tag;
  Input value;
};

// Calls `f` for each attribute of the given type in a Name, with the attribute's string value.
template <typename F>
Result for_each_attribute(Input name_tlv, Input type, F&& f) {
  Reader r(name_tlv);
  return nested_of(r, der::SEQUENCE, der::SET, /*empty_allowed=*/true, [&](Reader& rdn) -> Result {
    while (!rdn.at_end()) {
      CERTDOCTOR_TRY(nested(rdn, der::SEQUENCE, [&](Reader& ava) -> Result {
        Input oid, value;
        std::uint8_t tag = 0;
        CERTDOCTOR_TRY(ava.expect(der::OID, oid));
        CERTDOCTOR_TRY(ava.read_tlv(tag, value));
        if (equal(oid, type)) f(tag, value);
        return Result::Success;
      }));
    }
    return Result::Success;
  });
}

Result read_general_names(const std::optional<Input>& san, std::vector<Name>& out) {
  if (!san) return Result::Success;
  Reader r(*san);
  Reader names;
  CERTDOCTOR_TRY(r.expect(der::SEQUENCE, names));
  CERTDOCTOR_TRY(end(r));
  if (names.at_end()) return Result::BadDer;
  while (!names.at_end()) {
    Name n{};
    CERTDOCTOR_TRY(names.read_tlv(n.tag, n.value));
    out.push_back(n);
  }
  return Result::Success;
}

struct Subtree {
  std::uint8_t tag;
  Input base;
};

Result read_subtrees(Reader& nc, std::uint8_t tag, std::vector<Subtree>& out) {
  if (!nc.peek(tag)) return Result::Success;
  return nested_of(nc, tag, der::SEQUENCE, /*empty_allowed=*/false, [&](Reader& subtree) -> Result {
    Subtree s{};
    CERTDOCTOR_TRY(subtree.read_tlv(s.tag, s.base));
    // minimum and maximum are not used on the Web; Firefox refuses them.
    if (!subtree.at_end()) return Result::BadDer;
    out.push_back(s);
    return Result::Success;
  });
}

bool supported_type(std::uint8_t tag) {
  return tag == kDnsName || tag == kIpAddress || tag == kRfc822Name || tag == kDirectoryName;
}

// Whether one presented name of `tag` falls inside one constraint base of the same type.
bool name_in_subtree(std::uint8_t tag, Input value, Input base, bool excluded, Result& error) {
  switch (tag) {
    case kDnsName: {
      std::string_view p = as_string(value), c = as_string(base);
      if (!is_valid_dns_id(c, DnsIdRole::constraint)) { error = Result::BadDer; return false; }
      return dns_id_in_constraint(p, c, excluded);
    }
    case kIpAddress: return ip_in_constraint(value, base, error);
    case kRfc822Name: return rfc822_in_constraint(as_string(value), as_string(base));
    case kDirectoryName: {
      // base is the contents of [4]: one Name
      return directory_name_in_constraint(value, base);
    }
    default: return true;  // unsupported types are compared by presence only (see check_one_name)
  }
}

struct Constraints {
  std::vector<Subtree> permitted, excluded;
};

Result check_one_name(const Constraints& nc, std::uint8_t tag, Input value) {
  if (tag == kDnsName && !is_valid_dns_id(as_string(value), DnsIdRole::presented)) return Result::BadDer;
  if (!supported_type(tag)) {
    // A name of a type Firefox cannot compare passes only when no constraint speaks about that type.
    auto same = [&](const Subtree& s) { return s.tag == tag; };
    if (std::any_of(nc.permitted.begin(), nc.permitted.end(), same) ||
        std::any_of(nc.excluded.begin(), nc.excluded.end(), same)) {
      return Result::CertNotInNameSpace;
    }
    return Result::Success;
  }
  Result error = Result::Success;
  bool any_permitted = false, in_permitted = false;
  for (const auto& s : nc.permitted) {
    if (s.tag != tag) continue;
    any_permitted = true;
    if (name_in_subtree(tag, value, s.base, false, error)) in_permitted = true;
    if (error != Result::Success) return error;
  }
  if (any_permitted && !in_permitted) return Result::CertNotInNameSpace;
  for (const auto& s : nc.excluded) {
    if (s.tag != tag) continue;
    bool in = name_in_subtree(tag, value, s.base, true, error);
    if (error != Result::Success) return error;
    if (in) return Result::CertNotInNameSpace;
  }
  return Result::Success;
}

}  // namespace

bool is_valid_dns_id(std::string_view name, DnsIdRole role) {
  if (role == DnsIdRole::constraint) {
    if (name.empty()) return true;
    if (name.front() == '.') name.remove_prefix(1);
  }
  if (role == DnsIdRole::reference && !name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  bool wildcard = false;
  if (role == DnsIdRole::presented && name.starts_with("*.")) {
    wildcard = true;
    name.remove_prefix(2);
  }
  auto labels = split_labels(name);
  if (wildcard && labels.size() < 2) return false;  // "*.com" would cover a whole top-level domain
  for (auto label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  // A last label of digits only would be read as an IPv4 address.
  auto last = labels.back();
  return !std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result check_hostname(const Cert& cert, std::string_view host, bool skip_invalid_names) {
  std::string ip;
  const bool is_ip = parse_ip(host, ip);
  if (!is_ip && !is_valid_dns_id(host, DnsIdRole::reference)) return Result::BadCertDomain;
  std::vector<Name> names;
  if (read_general_names(cert.subject_alt_name, names) != Result::Success) return Result::BadCertDomain;
  for (const auto& n : names) {
    if (is_ip && n.tag == kIpAddress) {
      if (as_string(n.value) == ip) return Result::Success;
    } else if (!is_ip && n.tag == kDnsName) {
      std::string_view presented = as_string(n.value);
      if (!is_valid_dns_id(presented, DnsIdRole::presented)) {
        if (skip_invalid_names) continue;
        return Result::BadCertDomain;
      }
      if (dns_id_matches(presented, host)) return Result::Success;
    }
  }
  return Result::BadCertDomain;
}

Result check_name_constraints(Input encoded, const Cert& first_child, KeyPurpose eku) {
  Constraints nc;
  Reader r(encoded);
  CERTDOCTOR_TRY(nested(r, der::SEQUENCE, [&](Reader& s) -> Result {
    CERTDOCTOR_TRY(read_subtrees(s, der::CONTEXT | der::CONSTRUCTED | 0, nc.permitted));
    return read_subtrees(s, der::CONTEXT | der::CONSTRUCTED | 1, nc.excluded);
  }));
  CERTDOCTOR_TRY(end(r));
  if (nc.permitted.empty() && nc.excluded.empty()) return Result::BadDer;

  for (const Cert* c = &first_child; c; c = c->child) {
    std::vector<Name> names;
    CERTDOCTOR_TRY(read_general_names(c->subject_alt_name, names));
    bool has_dns_or_ip = false;
    for (const auto& n : names) {
      has_dns_or_ip |= n.tag == kDnsName || n.tag == kIpAddress;
      // directoryName entries hold a Name inside [4]
      CERTDOCTOR_TRY(check_one_name(nc, n.tag, n.value));
    }
    // The subject: as a directory name (unless empty), its e-mail attributes as rfc822 names, and for a
    // server certificate without DNS or IP entries its common names as host names.
    Reader subj(c->subject);
    Reader rdns;
    CERTDOCTOR_TRY(subj.expect(der::SEQUENCE, rdns));
    if (!rdns.at_end()) CERTDOCTOR_TRY(check_one_name(nc, kDirectoryName, c->subject));
    Result inner = Result::Success;
    CERTDOCTOR_TRY(for_each_attribute(c->subject, oids::kEmailAddress, [&](std::uint8_t, Input v) {
      if (inner == Result::Success) inner = check_one_name(nc, kRfc822Name, v);
    }));
    CERTDOCTOR_TRY(inner);
    if (c->role == Role::end_entity && eku == KeyPurpose::server_auth && !has_dns_or_ip) {
      CERTDOCTOR_TRY(for_each_attribute(c->subject, oids::kCommonName, [&](std::uint8_t, Input v) {
        if (inner != Result::Success) return;
        std::string_view cn = as_string(v);
        std::string ip;
        if (parse_ip(cn, ip)) inner = check_one_name(nc, kIpAddress, as_input(ip));
        else if (is_valid_dns_id(cn, DnsIdRole::presented)) inner = check_one_name(nc, kDnsName, v);
      }));
      CERTDOCTOR_TRY(inner);
    }
  }
  return Result::Success;
}

}  // namespace certdoctor::pkix
