// firefox-certdb: writes and reads a profile's cert9.db through Firefox's own NSS, making the calls Firefox's
// certificate database makes (nsNSSCertificateDB::AddCertFromBase64: a temporary certificate from the DER,
// PK11_ImportCert into the internal key slot, then CERT_ChangeCertTrust with the trust string). It stands for a
// profile written by today's Firefox, next to certutil, which stands for one written by an older Firefox.
//
//   firefox-certdb DIR init                          new cert9.db/key4.db with an empty password
//   firefox-certdb DIR add CERT.pem NICKNAME TRUST   TRUST as certutil writes it ("C,,", "p,p,p", ",,")
//   firefox-certdb DIR list                          "NICKNAME<TAB>TRUST" per certificate, as this NSS applies it
//
// The NSS is the one in $CERTDOCTOR_FIREFOX_DIR (default /usr/lib/firefox-esr). This program links no NSS: its
// libraries are loaded by full path, utility and SQLite first (Firefox's softoken has no RUNPATH).
#include <cert.h>
#include <certdb.h>
#include <dlfcn.h>
#include <nss.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pk11pub.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

void* g_nss = nullptr;

template <typename F>
F* symbol(const char* name) {
  void* s = dlsym(g_nss, name);
  if (!s) {
    std::cerr << "firefox-certdb: " << name << " missing from Firefox's libnss3\n";
    std::exit(3);
  }
  return reinterpret_cast<F*>(s);
}
#define NSS_CALL(fn) symbol<decltype(fn)>(#fn)

void load(const std::string& dir) {
  for (const char* lib : {"libnssutil3.so", "libmozsqlite3.so"}) {
    const std::string p = dir + "/" + lib;
    if (!dlopen(p.c_str(), RTLD_NOW | RTLD_GLOBAL)) std::cerr << "firefox-certdb: " << dlerror() << "\n";
  }
  g_nss = dlopen((dir + "/libnss3.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!g_nss) {
    std::cerr << "firefox-certdb: " << dlerror() << "\n";
    std::exit(3);
  }
}

std::string der_of_pem(const std::string& file) {
  BIO* bio = BIO_new_file(file.c_str(), "r");
  X509* x = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!x) return "";
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  std::string out = n > 0 ? std::string(reinterpret_cast<char*>(der), n) : "";
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

// certutil's letters for one usage's flags (CERTDB_* in certdb.h).
std::string letters(unsigned f) {
  std::string s;
  if ((f & CERTDB_TERMINAL_RECORD) && !(f & CERTDB_TRUSTED)) s += 'p';
  if ((f & CERTDB_VALID_CA) && !(f & (CERTDB_TRUSTED_CA | CERTDB_TRUSTED_CLIENT_CA))) s += 'c';
  if (f & CERTDB_TRUSTED_CA) s += 'C';
  if (f & CERTDB_TRUSTED_CLIENT_CA) s += 'T';
  if (f & CERTDB_TRUSTED) s += 'P';
  if (f & CERTDB_USER) s += 'u';
  return s;
}

int fail(const char* what) {
  std::cerr << "firefox-certdb: " << what << " failed (NSS error " << NSS_CALL(PORT_GetError)() << ")\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: firefox-certdb DIR init | add CERT.pem NICKNAME TRUST | list\n";
    return 2;
  }
  const char* fx = std::getenv("CERTDOCTOR_FIREFOX_DIR");
  load(fx && *fx ? fx : "/usr/lib/firefox-esr");
  const std::string dir = std::string("sql:") + argv[1], command = argv[2];
  if (NSS_CALL(NSS_Initialize)(dir.c_str(), "", "", "secmod.db", NSS_INIT_NOMODDB) != SECSuccess) return fail("NSS_Initialize");
  PK11SlotInfo* slot = NSS_CALL(PK11_GetInternalKeySlot)();
  if (NSS_CALL(PK11_NeedUserInit)(slot) && NSS_CALL(PK11_InitPin)(slot, "", "") != SECSuccess) return fail("PK11_InitPin");
  int rc = 0;
  if (command == "init") {
    // the database files exist now
  } else if (command == "add" && argc == 6) {
    std::string der = der_of_pem(argv[3]);
    if (der.empty()) return fail("reading the certificate");
    SECItem item{siBuffer, reinterpret_cast<unsigned char*>(der.data()), static_cast<unsigned int>(der.size())};
    CERTCertificate* cert = NSS_CALL(CERT_NewTempCertificate)(NSS_CALL(CERT_GetDefaultCertDB)(), &item, nullptr, PR_FALSE, PR_TRUE);
    if (!cert) return fail("CERT_NewTempCertificate");
    CERTCertTrust trust{};
    if (NSS_CALL(CERT_DecodeTrustString)(&trust, argv[5]) != SECSuccess) return fail("CERT_DecodeTrustString");
    if (NSS_CALL(PK11_ImportCert)(slot, cert, CK_INVALID_HANDLE, argv[4], PR_FALSE) != SECSuccess) return fail("PK11_ImportCert");
    if (NSS_CALL(CERT_ChangeCertTrust)(NSS_CALL(CERT_GetDefaultCertDB)(), cert, &trust) != SECSuccess) rc = fail("CERT_ChangeCertTrust");
    NSS_CALL(CERT_DestroyCertificate)(cert);
  } else if (command == "list") {
    CERTCertList* list = NSS_CALL(PK11_ListCertsInSlot)(slot);
    for (CERTCertListNode* n = CERT_LIST_HEAD(list); !CERT_LIST_END(n, list); n = CERT_LIST_NEXT(n)) {
      CERTCertTrust trust{};
      std::string shown = ",,";
      if (NSS_CALL(CERT_GetCertTrust)(n->cert, &trust) == SECSuccess) {
        shown = letters(trust.sslFlags) + "," + letters(trust.emailFlags) + "," + letters(trust.objectSigningFlags);
      }
      std::cout << (n->cert->nickname ? n->cert->nickname : "") << "\t" << shown << "\n";
    }
    NSS_CALL(CERT_DestroyCertList)(list);
  } else {
    std::cerr << "firefox-certdb: unknown command\n";
    rc = 2;
  }
  NSS_CALL(PK11_FreeSlot)(slot);
  NSS_CALL(NSS_Shutdown)();
  return rc;
}
