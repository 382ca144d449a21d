// Writes a Firefox profile database holding COUNT stored certificates, for the benchmark of diagnosing against
// a large cert9.db (tools/bench-profile.sh). One process, one NSS session: 20,000 certificates take
// seconds, where 20,000 runs of certutil -A would take many minutes.
//   big_profile DIR COUNT
#include <nss.h>
#include <pk11pub.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: big_profile DIR COUNT\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const long count = std::stol(argv[2]);
  std::filesystem::create_directories(dir);
  const std::string db = "sql:" + dir.string();
  NSSInitContext* ctx = NSS_InitContext(db.c_str(), "", "", "", nullptr, NSS_INIT_NOMODDB | NSS_INIT_NOROOTINIT);
  if (!ctx) {
    std::cerr << "big_profile: NSS could not open " << db << "\n";
    return 1;
  }
  PK11SlotInfo* slot = PK11_GetInternalKeySlot();
  if (PK11_NeedUserInit(slot)) PK11_InitPin(slot, nullptr, "");
  // One EC key signs everything: the certificates differ in issuer, subject and serial, like a profile that
  // collected many sites and CAs over the years.
  EVP_PKEY* key = EVP_EC_gen("P-256");
  for (long i = 0; i < count; ++i) {
    X509* x = X509_new();
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), i + 1);
    char subject[64], issuer[64], nick[64];
    std::snprintf(subject, sizeof subject, "bulk-%ld.example", i);
    std::snprintf(issuer, sizeof issuer, "Bulk CA %ld", i % 97);
    std::snprintf(nick, sizeof nick, "bulk %ld", i);
    X509_NAME* s = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(s, "CN", MBSTRING_ASC, reinterpret_cast<unsigned char*>(subject), -1, -1, 0);
    X509_NAME* is = X509_get_issuer_name(x);
    X509_NAME_add_entry_by_txt(is, "CN", MBSTRING_ASC, reinterpret_cast<unsigned char*>(issuer), -1, -1, 0);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    unsigned char* der = nullptr;
    int len = i2d_X509(x, &der);
    SECItem item{siBuffer, der, static_cast<unsigned>(len)};
    if (PK11_ImportDERCert(slot, &item, CK_INVALID_HANDLE, nick, PR_FALSE) != SECSuccess) {
      std::cerr << "big_profile: import " << i << " failed\n";
      return 1;
    }
    OPENSSL_free(der);
    X509_free(x);
    if ((i + 1) % 5000 == 0) std::cerr << "  " << (i + 1) << " certificates\n";
  }
  EVP_PKEY_free(key);
  PK11_FreeSlot(slot);
  NSS_ShutdownContext(ctx);
  return 0;
}
