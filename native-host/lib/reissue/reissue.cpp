#include "reissue/reissue.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "base/hex.hpp"
#include "base/request_error.hpp"
#include "base/safe_file.hpp"
#include "pkix/names.hpp"

#include <libpsl.h>

namespace certdoctor {

namespace {

namespace fs = std::filesystem;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using P12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;

[[noreturn]] void invalid(const std::string& message) { throw RequestError("invalid_field", message); }

// OpenSSL's own reason for the last failure, for messages.
std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no reason given";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string read_file(const fs::path& p, const std::string& what) {
  std::ifstream in(p, std::ios::binary);
  if (!in) invalid("cannot read " + what + " " + p.string() + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

BioPtr mem_bio(const std::string& data) { return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size()))); }

X509Ptr read_cert(const fs::path& p, const std::string& what) {
  const std::string data = read_file(p, what);
  X509Ptr x(PEM_read_bio_X509(mem_bio(data).get(), nullptr, nullptr, nullptr));
  if (!x) {
    const auto* d = reinterpret_cast<const unsigned char*>(data.data());
    x.reset(d2i_X509(nullptr, &d, static_cast<long>(data.size())));
  }
  ERR_clear_error();
  if (!x) invalid(what + " " + p.string() + " is not a certificate (PEM or DER)");
  return x;
}

KeyPtr read_key(const fs::path& p, const std::string& what) {
  const std::string data = read_file(p, what);
  // No passphrase prompt: an encrypted key is refused with a clear message instead of hanging on a terminal.
  KeyPtr k(PEM_read_bio_PrivateKey(mem_bio(data).get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  ERR_clear_error();
  if (!k) invalid(what + " " + p.string() + " is not an unencrypted private key in PEM (decrypt it first: openssl pkey -in KEY -out KEY.plain)");
  return k;
}

ReqPtr read_csr(const fs::path& p) {
  const std::string data = read_file(p, "the CSR");
  ReqPtr r(PEM_read_bio_X509_REQ(mem_bio(data).get(), nullptr, nullptr, nullptr));
  if (!r) {
    const auto* d = reinterpret_cast<const unsigned char*>(data.data());
    r.reset(d2i_X509_REQ(nullptr, &d, static_cast<long>(data.size())));
  }
  ERR_clear_error();
  if (!r) invalid("the CSR " + p.string() + " is not a certificate signing request (PEM or DER)");
  return r;
}

std::string der_of(X509* x) {
  unsigned char* d = nullptr;
  const int n = i2d_X509(x, &d);
  std::string out(reinterpret_cast<char*>(d), n > 0 ? n : 0);
  OPENSSL_free(d);
  return out;
}

std::string pem_of(X509* x) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, n);
}

std::string key_pem_of(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, n);
}

KeyPtr make_key(const std::string& type) {
  EVP_PKEY* k = nullptr;
  if (type == "rsa2048") k = EVP_RSA_gen(2048);
  else if (type == "rsa3072") k = EVP_RSA_gen(3072);
  else if (type == "rsa4096") k = EVP_RSA_gen(4096);
  else if (type == "ec-p256") k = EVP_EC_gen("P-256");
  else if (type == "ec-p384") k = EVP_EC_gen("P-384");
  else invalid("unknown key type '" + type + "' (rsa2048, rsa3072, rsa4096, ec-p256, ec-p384)");
  if (!k) throw RequestError("reissue_failed", "making the key failed: " + openssl_reason());
  return KeyPtr(k);
}

// 16 octets from OpenSSL's CSPRNG, the top bit cleared (a positive INTEGER) and the next one set, so that the DER
// content is always exactly 16 octets: 126 random bits, well above the 64 the CA/Browser Forum asks for and
// below the 20 octets RFC 5280 allows.
std::string random_serial() {
  unsigned char bytes[16];
  if (RAND_priv_bytes(bytes, sizeof bytes) != 1) {
    throw RequestError("reissue_failed", "the random number generator failed: " + openssl_reason());
  }
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  return std::string(reinterpret_cast<char*>(bytes), sizeof bytes);
}

// The names the certificate will hold. The URL's host (or address) always; a name given with --name (one by one,
// the admin's own words) always, wildcards included; a name the device serves only with --accept-served-names,
// and never a wildcard or a name outside the URL host's registrable domain (those the admin must give by name):
// the fetch is not authenticated, so the device, or anyone on the path to it, chose them. No duplicates (DNS
// names compared without case).
struct Names {
  std::vector<std::string> dns;
  std::vector<std::string> ip;  // raw octets (4 or 16)
  std::vector<std::string> printed;
  std::vector<std::string> served;   // every name the device serves, as printed
  std::vector<std::string> skipped;  // served names left out, each with why
};

std::string ip_text(const std::string& octets) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(octets.size() == 4 ? AF_INET : AF_INET6, octets.data(), buf, sizeof buf);
  return buf;
}

std::string lower(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

void add_dns(Names& n, const std::string& name) {
  if (std::find(n.dns.begin(), n.dns.end(), lower(name)) != n.dns.end()) return;
  n.dns.push_back(lower(name));
}

void add_ip(Names& n, const std::string& octets) {
  if (std::find(n.ip.begin(), n.ip.end(), octets) != n.ip.end()) return;
  n.ip.push_back(octets);
}

std::optional<std::string> ip_octets(const std::string& text) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
  return std::nullopt;
}

// The registrable domain of a host name (example.co.uk for a.b.example.co.uk), from the Public Suffix List;
// empty for an address or a name that is a public suffix itself.
std::string registrable_domain(const std::string& host) {
  static const psl_ctx_t* psl = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);  // the system's list, else the one built into libpsl
    return latest ? latest : psl_builtin();
  }();
  const char* d = psl ? psl_registrable_domain(psl, host.c_str()) : nullptr;
  return d ? lower(d) : std::string();
}

bool within(const std::string& name, const std::string& domain) {
  return !domain.empty() &&
         (name == domain || (name.size() > domain.size() && name.compare(name.size() - domain.size(), domain.size(), domain) == 0 &&
                             name[name.size() - domain.size() - 1] == '.'));
}

Names device_names(const ReissueRequest& r) {
  Names n;
  if (r.host_is_ip) {
    if (auto ip = ip_octets(r.host)) add_ip(n, *ip);
    else invalid("'" + r.host + "' is not an IP address");
  } else {
    if (!pkix::is_valid_dns_id(r.host, pkix::DnsIdRole::reference)) invalid("'" + r.host + "' is not a host name");
    add_dns(n, r.host);
  }
  for (const auto& given : r.names) {
    if (auto ip = ip_octets(given)) add_ip(n, *ip);
    else if (pkix::is_valid_dns_id(given, pkix::DnsIdRole::presented)) add_dns(n, given);
    else invalid("--name '" + given + "' is neither a DNS name Firefox accepts nor an IP address");
  }
  const std::string domain = r.host_is_ip ? std::string() : registrable_domain(lower(r.host));
  if (!r.served_der.empty()) {
    const auto* d = reinterpret_cast<const unsigned char*>(r.served_der.data());
    X509Ptr served(d2i_X509(nullptr, &d, static_cast<long>(r.served_der.size())));
    ERR_clear_error();
    NamesPtr san(served ? static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(served.get(), NID_subject_alt_name, nullptr, nullptr))
                        : nullptr);
    for (int i = 0; san && i < sk_GENERAL_NAME_num(san.get()); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(san.get(), i);
      if (g->type == GEN_DNS) {
        const std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                               ASN1_STRING_length(g->d.dNSName));
        const std::string shown = "DNS:" + name;
        n.served.push_back(shown);
        if (std::find(n.dns.begin(), n.dns.end(), lower(name)) != n.dns.end()) continue;  // named already
        if (!pkix::is_valid_dns_id(name, pkix::DnsIdRole::presented)) {
          n.skipped.push_back(shown + ": not a name Firefox accepts");
        } else if (name.find('*') != std::string::npos) {
          n.skipped.push_back(shown + ": a wildcard; give it with --name to include it");
        } else if (!within(lower(name), domain)) {
          n.skipped.push_back(shown + ": outside " + (domain.empty() ? r.host : domain) +
                              "; give it with --name to include it");
        } else if (!r.accept_served_names) {
          n.skipped.push_back(shown + ": served by the device; --accept-served-names (or --name) includes it");
        } else {
          add_dns(n, name);
        }
      } else if (g->type == GEN_IPADD) {
        const int len = ASN1_STRING_length(g->d.iPAddress);
        if (len != 4 && len != 16) continue;
        const std::string octets(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.iPAddress)), len);
        const std::string shown = "IP:" + ip_text(octets);
        n.served.push_back(shown);
        if (std::find(n.ip.begin(), n.ip.end(), octets) != n.ip.end()) continue;
        n.skipped.push_back(shown + ": an address the device serves; give it with --name to include it");
      }
    }
  }
  // As the subjectAltName will hold them: the DNS names, then the addresses.
  for (const auto& dns : n.dns) n.printed.push_back("DNS:" + dns);
  for (const auto& ip : n.ip) n.printed.push_back("IP:" + ip_text(ip));
  return n;
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (!e || X509_add_ext(cert, e, -1) != 1) {
    X509_EXTENSION_free(e);
    throw RequestError("reissue_failed", std::string("adding an extension failed: ") + openssl_reason());
  }
  X509_EXTENSION_free(e);
}

// subjectAltName built from the names themselves (never through OpenSSL's configuration syntax, which a served
// name with a comma could bend).
// Critical when the subject is empty, as RFC 5280 asks: the names are then the certificate's only identity.
void add_san(X509* cert, const Names& names, bool critical) {
  NamesPtr san(sk_GENERAL_NAME_new_null());
  for (const auto& dns : names.dns) {
    GENERAL_NAME* g = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size()));
    GENERAL_NAME_set0_value(g, GEN_DNS, s);
    sk_GENERAL_NAME_push(san.get(), g);
  }
  for (const auto& ip : names.ip) {
    GENERAL_NAME* g = GENERAL_NAME_new();
    ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(s, reinterpret_cast<const unsigned char*>(ip.data()), static_cast<int>(ip.size()));
    GENERAL_NAME_set0_value(g, GEN_IPADD, s);
    sk_GENERAL_NAME_push(san.get(), g);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, san.get(), critical ? 1 : 0, X509V3_ADD_DEFAULT) != 1) {
    throw RequestError("reissue_failed", "adding the names failed: " + openssl_reason());
  }
}

NamePtr host_name(const std::string& host, const std::string& prefix = "") {
  NamePtr n(X509_NAME_new());
  // A common name is at most 64 characters; longer host names live in the subjectAltName only.
  std::string cn = prefix + host;
  if (cn.size() > 64) cn = cn.substr(0, 64);
  X509_NAME_add_entry_by_NID(n.get(), NID_commonName, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                             static_cast<int>(cn.size()), -1, 0);
  return n;
}

void set_validity(X509* x, int days) {
  // Five minutes back, for devices whose clock is a little behind.
  X509_gmtime_adj(X509_getm_notBefore(x), -300);
  X509_time_adj_ex(X509_getm_notAfter(x), days, 0, nullptr);
}

void set_serial(X509* x, const std::string& serial) {
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), static_cast<int>(serial.size()), nullptr);
  ASN1_INTEGER* i = BN_to_ASN1_INTEGER(bn, nullptr);
  X509_set_serialNumber(x, i);
  ASN1_INTEGER_free(i);
  BN_free(bn);
}

void sign(X509* x, EVP_PKEY* key) {
  // Ed25519/Ed448 take no digest; everything else SHA-256 (what every device and Firefox accept).
  const int id = EVP_PKEY_get_base_id(key);
  const EVP_MD* md = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
  if (X509_sign(x, key, md) <= 0) throw RequestError("reissue_failed", "signing failed: " + openssl_reason());
}

GENERAL_SUBTREE* dns_subtree(const std::string& name) {
  GENERAL_SUBTREE* t = GENERAL_SUBTREE_new();
  ASN1_IA5STRING* s = ASN1_IA5STRING_new();
  ASN1_STRING_set(s, name.data(), static_cast<int>(name.size()));
  GENERAL_NAME_set0_value(t->base, GEN_DNS, s);
  return t;
}

GENERAL_SUBTREE* ip_subtree(const std::string& address, const std::string& mask) {
  GENERAL_SUBTREE* t = GENERAL_SUBTREE_new();
  const std::string value = address + mask;
  ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(s, reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()));
  GENERAL_NAME_set0_value(t->base, GEN_IPADD, s);
  return t;
}

// nameConstraints for exactly the certificate's names, in both name forms a server certificate is matched by:
// - each DNS name permitted, with its subdomains excluded (".name", which Firefox and OpenSSL read as "below name
//   only") unless a wildcard or another name needs them; no DNS name at all: the empty dNSName excluded, which
//   Firefox (mozilla::pkix) and OpenSSL both read as "every DNS name" (the CA/Browser Forum's form for a CA that may
//   issue no DNS name);
// - each address permitted as itself (an all-ones mask; a permitted entry of one family also refuses the other);
//   no address at all: 0.0.0.0/0 and ::/0 excluded.
// A certificate without a DNS name then has no common name (see subject_for): OpenSSL checks a common name that
// looks like a DNS name (an IPv4 address does) against the DNS constraints when the certificate holds no DNS name.
void add_name_constraints(X509* ca, const Names& names) {
  NAME_CONSTRAINTS* nc = NAME_CONSTRAINTS_new();
  nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
  nc->excludedSubtrees = sk_GENERAL_SUBTREE_new_null();
  auto base = [](const std::string& dns) { return dns.rfind("*.", 0) == 0 ? dns.substr(2) : dns; };
  for (const auto& dns : names.dns) {
    const std::string b = base(dns);
    sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, dns_subtree(b));
    // A wildcard's base, or a name with another name below it, needs what is below it.
    bool below_needed = b != dns;
    for (const auto& other : names.dns) below_needed = below_needed || (base(other) != b && within(base(other), b)) || other == "*." + b;
    if (!below_needed) sk_GENERAL_SUBTREE_push(nc->excludedSubtrees, dns_subtree("." + b));
  }
  if (names.dns.empty()) sk_GENERAL_SUBTREE_push(nc->excludedSubtrees, dns_subtree(""));
  for (const auto& ip : names.ip) {
    sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, ip_subtree(ip, std::string(ip.size(), '\xff')));
  }
  if (names.ip.empty()) {
    sk_GENERAL_SUBTREE_push(nc->excludedSubtrees, ip_subtree(std::string(4, '\0'), std::string(4, '\0')));
    sk_GENERAL_SUBTREE_push(nc->excludedSubtrees, ip_subtree(std::string(16, '\0'), std::string(16, '\0')));
  }
  for (auto** trees : {&nc->permittedSubtrees, &nc->excludedSubtrees}) {
    if (sk_GENERAL_SUBTREE_num(*trees) == 0) {  // an empty GeneralSubtrees is not allowed: leave it out
      sk_GENERAL_SUBTREE_free(*trees);
      *trees = nullptr;
    }
  }
  const int ok = X509_add1_ext_i2d(ca, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT);
  NAME_CONSTRAINTS_free(nc);
  if (ok != 1) throw RequestError("reissue_failed", "adding the name constraints failed: " + openssl_reason());
}

// A CA for exactly one certificate (a CSR signed without the admin's CA): its key is made, used once and
// dropped, so it can sign nothing else; its name constraints allow exactly the certificate's names and its
// pathlen:0 no CA below it, so importing its certificate into Firefox trusts the device alone.
X509Ptr one_off_ca(const std::string& host, const Names& names, int days, KeyPtr& key_out) {
  key_out = make_key("ec-p256");
  X509Ptr ca(X509_new());
  X509_set_version(ca.get(), X509_VERSION_3);
  set_serial(ca.get(), random_serial());
  NamePtr name = host_name(host, "certdoctor CA for ");
  const std::string tag = to_hex(random_serial().substr(0, 4));
  X509_NAME_add_entry_by_NID(name.get(), NID_organizationalUnitName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(tag.data()), static_cast<int>(tag.size()), -1, 0);
  X509_set_subject_name(ca.get(), name.get());
  X509_set_issuer_name(ca.get(), name.get());
  set_validity(ca.get(), days);
  X509_set_pubkey(ca.get(), key_out.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), ca.get(), nullptr, nullptr, 0);
  add_ext(ca.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(ca.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_name_constraints(ca.get(), names);
  add_ext(ca.get(), &ctx, NID_subject_key_identifier, "hash");
  sign(ca.get(), key_out.get());
  return ca;
}

void check_ca(X509* ca, EVP_PKEY* key, const fs::path& path) {
  if (X509_check_ca(ca) == 0) {
    invalid("the certificate " + path.string() + " is not a CA (its basicConstraints do not say CA:TRUE)");
  }
  const uint32_t ku = X509_get_key_usage(ca);
  if (ku != UINT32_MAX && !(ku & KU_KEY_CERT_SIGN)) {
    invalid("the CA " + path.string() + " may not sign certificates (its keyUsage lacks keyCertSign)");
  }
  if (X509_check_private_key(ca, key) != 1) {
    ERR_clear_error();
    invalid("the CA key does not belong to the CA certificate " + path.string());
  }
}

std::string file_base(const std::string& host) {
  std::string base = host;
  for (char& c : base) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  if (base.empty() || base.front() == '.') base = "device" + base;
  return base;
}

std::string pkcs12_of(EVP_PKEY* key, X509* cert, X509* ca, const std::string& password, const std::string& friendly) {
  STACK_OF(X509)* cas = sk_X509_new_null();
  if (ca) sk_X509_push(cas, ca);
  P12Ptr p12(PKCS12_create(password.c_str(), friendly.c_str(), key, cert, cas, 0, 0, 0, 0, 0));
  sk_X509_free(cas);
  if (!p12) throw RequestError("reissue_failed", "making the PKCS#12 bundle failed: " + openssl_reason());
  unsigned char* d = nullptr;
  const int n = i2d_PKCS12(p12.get(), &d);
  std::string out(reinterpret_cast<char*>(d), n > 0 ? n : 0);
  OPENSSL_free(d);
  return out;
}

}  // namespace

fs::path reissue_file(const fs::path& out_dir, const std::string& host, const std::string& role) {
  const std::string base = file_base(host);
  if (role == "key") return out_dir / (base + ".key.pem");
  if (role == "certificate") return out_dir / (base + ".cert.pem");
  if (role == "chain") return out_dir / (base + ".chain.pem");
  if (role == "ca") return out_dir / (base + ".ca.pem");
  if (role == "pkcs12") return out_dir / (base + ".p12");
  throw std::logic_error("unknown reissue file role " + role);
}

ReissueResult reissue(const ReissueRequest& r) {
  // Everything is checked before anything is made or written.
  if (r.ca_cert.empty() != r.ca_key.empty()) invalid("--ca and --ca-key go together: give both, or neither");
  if (r.days < 1 || r.days > 3650) invalid("--days must be between 1 and 3650");
  std::error_code ec;
  if (!fs::is_directory(r.out_dir, ec)) invalid("the output folder " + r.out_dir.string() + " does not exist");
  if (r.pkcs12 && !r.csr.empty()) {
    invalid("a PKCS#12 bundle holds the key, and with --csr the key stays on the device: leave out --pkcs12");
  }
  if (r.pkcs12 && (!r.pkcs12_password || r.pkcs12_password->empty())) {
    invalid("a PKCS#12 bundle needs a password (--password-file FILE, or - to read it from standard input)");
  }
  ReissueResult out;
  out.device = r.served_der.empty() ? nullptr : recognise_device(r.served_der);
  const Names names = device_names(r);
  out.names = names.printed;
  out.served_names = names.served;
  out.skipped = names.skipped;

  X509Ptr ca;
  KeyPtr ca_key;
  if (!r.ca_cert.empty()) {
    ca = read_cert(r.ca_cert, "the CA certificate");
    ca_key = read_key(r.ca_key, "the CA key");
    check_ca(ca.get(), ca_key.get(), r.ca_cert);
  }
  KeyPtr key;             // the new key, when we make it
  EVP_PKEY* subject_key;  // the key the certificate is for
  NamePtr subject;
  ReqPtr csr;
  if (!r.csr.empty()) {
    csr = read_csr(r.csr);
    subject_key = X509_REQ_get0_pubkey(csr.get());
    if (!subject_key || X509_REQ_verify(csr.get(), subject_key) != 1) {
      ERR_clear_error();
      invalid("the CSR " + r.csr.string() + " does not verify with its own key (damaged, or not the device's)");
    }
    // The CSR's subject is the device's word, like its served names: the certificate names the host instead.
    subject = host_name(r.host);
  } else {
    key = make_key(r.key_type);
    subject_key = key.get();
    subject = host_name(r.host);
  }
  if (!ca && csr) {
    ca = one_off_ca(r.host, names, r.days, ca_key);
    // Under the one-off CA's constraints a certificate without a DNS name has no common name: OpenSSL would check
    // a common name like 127.0.0.1 against "no DNS name at all" and refuse the certificate. Its addresses are its
    // identity (Firefox matches an address against the subjectAltName only).
    if (names.dns.empty()) subject.reset(X509_NAME_new());
  }
  out.signer = !ca ? "self-signed" : r.ca_cert.empty() ? "one-off-ca" : "ca";
  // The names are shown before anything is signed.
  if (r.before_signing) r.before_signing(out);

  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  const std::string serial = random_serial();
  set_serial(cert.get(), serial);
  out.serial_hex = to_hex(serial);
  X509_set_subject_name(cert.get(), subject.get());
  X509_set_issuer_name(cert.get(), ca ? X509_get_subject_name(ca.get()) : subject.get());
  set_validity(cert.get(), r.days);
  X509_set_pubkey(cert.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca ? ca.get() : cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  const bool rsa = EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA;
  add_ext(cert.get(), &ctx, NID_key_usage, rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature");
  add_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_san(cert.get(), names, X509_NAME_entry_count(subject.get()) == 0);
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (ca) add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), ca ? ca_key.get() : key.get());
  out.cert_der = der_of(cert.get());

  // Written through the one safe writer every output file goes through (base/safe_file): each file new, all or
  // none, never through a link, in a folder no one else can change.
  std::vector<ReissuedFile> roles;
  std::vector<NewFile> files;
  auto add = [&](const std::string& role, std::string data, mode_t mode) {
    roles.push_back({role, reissue_file(r.out_dir, r.host, role)});
    files.push_back({roles.back().path, std::move(data), mode});
  };
  const std::string cert_pem = pem_of(cert.get());
  if (key) add("key", key_pem_of(key.get()), 0600);
  add("certificate", cert_pem, 0644);
  add("chain", cert_pem + (ca ? pem_of(ca.get()) : ""), 0644);
  if (out.signer == "one-off-ca") add("ca", pem_of(ca.get()), 0644);
  if (r.pkcs12) add("pkcs12", pkcs12_of(key.get(), cert.get(), ca.get(), *r.pkcs12_password, r.host), 0600);
  write_new_files(files, {"write_failed"}, "file_exists");
  out.files = roles;

  if (out.device && !out.device->upload_command.empty()) {
    std::vector<std::pair<std::string, std::string>> values = {{"host", r.host}};
    for (const auto& f : out.files) {
      values.push_back({f.role == "certificate" ? "cert" : f.role, f.path.string()});
    }
    if (!r.csr.empty()) values.push_back({"csr", r.csr.string()});
    out.upload_command = device_command(out.device->upload_command, values);
  }
  if (out.signer == "self-signed") {
    out.notes.push_back("The certificate is self-signed: Firefox shows its ordinary warning for it until you add an "
                        "exception once, or sign it with your CA instead (--ca, --ca-key). Unlike the factory "
                        "certificate, it shares its issuer and serial with no other device.");
  } else if (out.signer == "one-off-ca") {
    out.notes.push_back("Signed by a CA made for this certificate alone (its key was not kept, so it can sign "
                        "nothing else): import " + reissue_file(r.out_dir, r.host, "ca").string() +
                        " into Firefox as a trusted authority for web sites, or accept the warning once.");
  }
  if (out.device && out.device->upload == DeviceUpload::pkcs12 && !r.pkcs12) {
    out.notes.push_back("This device takes a PKCS#12 bundle: run the command again with --pkcs12 and another --out "
                        "folder.");
  }
  if (out.device && out.device->upload == DeviceUpload::cert_for_its_csr && r.csr.empty()) {
    out.notes.push_back("This device keeps its own key: have it make a CSR and sign that with --csr FILE.");
  }
  return out;
}

nlohmann::json to_json(const ReissueResult& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : r.files) files.push_back({{"role", f.role}, {"path", f.path.string()}});
  nlohmann::json j = {{"sha256", sha256_hex(r.cert_der)}, {"serial", r.serial_hex}, {"names", r.names},
                      {"signer", r.signer},                {"files", files},        {"notes", r.notes}};
  j["served_names"] = r.served_names;
  if (!r.skipped.empty()) j["skipped_names"] = r.skipped;
  if (r.device) {
    j["device"] = {{"id", r.device->id}, {"vendor", r.device->vendor}, {"product", r.device->product}};
    if (!r.upload_command.empty()) j["upload_command"] = r.upload_command;
  }
  return j;
}

}  // namespace certdoctor
