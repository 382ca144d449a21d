// Names, as Firefox matches them: the host name against the certificate's subjectAltName only (no fallback to
// the subject's common name; IP addresses only against iPAddress entries), and name constraints of a CA against
// every certificate below it on the path.
#pragma once
#include <string_view>

#include "pkix/checks.hpp"

namespace certdoctor::pkix {

// BadCertDomain when no subjectAltName entry matches `host`. With `skip_invalid_names` (chains ending at a root
// the user added), malformed DNS names are passed over; otherwise they make the whole check fail.
Result check_hostname(const Cert& end_entity, std::string_view host, bool skip_invalid_names);

// CertNotInNameSpace when `first_child` or a certificate below it has a name outside the constraints.
Result check_name_constraints(Input name_constraints, const Cert& first_child, KeyPurpose eku);

// DNS-ID syntax, in the three roles a name can have.
enum class DnsIdRole { presented, reference, constraint };
bool is_valid_dns_id(std::string_view name, DnsIdRole role);

}  // namespace certdoctor::pkix
