#include "profile/pkcs11_module.hpp"

#include <dlfcn.h>
#include <pkcs11n.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "profile/store_error.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

namespace {

std::string hex_rv(CK_RV rv) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%lx", static_cast<unsigned long>(rv));
  return b;
}

std::mutex g_mutex;  // guards the tables below and the token's slot creation

// Loads one installation's NSS libraries (firefox_nss.hpp) by full path, prerequisites first: the softoken's
// needs (libnssutil3.so, libmozsqlite3.so) are then matched by name among what the process has loaded.
// Measured on Linux: a link namespace of its own (dlmopen) loads Firefox's softoken and reads the profile, but its
// second copy of libc and NSPR shares each thread's key slots with the main program, and OpenSSL's thread cleanup
// crashed at exit. So the libraries share the process: a process that loaded the system's libnssutil3 first cannot
// load Firefox's softoken (NssStore::open then falls back to the system's and says so); the system's softoken,
// loaded after Firefox's, runs on Firefox's newer libnssutil3, which keeps every older symbol version.
void* open_libraries(const NssLibraries& nss) {
  for (const auto& p : nss.prerequisites) {
    if (!dlopen(p.c_str(), RTLD_NOW | RTLD_GLOBAL)) return nullptr;
  }
  return dlopen(nss.softoken.c_str(), RTLD_NOW | RTLD_LOCAL);
}

CK_FUNCTION_LIST_PTR initialise(const NssLibraries& nss, const char* parameters) {
  static std::map<std::string, CK_FUNCTION_LIST_PTR> loaded;
  const std::string library = nss.softoken.string();
  if (auto it = loaded.find(library); it != loaded.end()) return it->second;
  void* handle = open_libraries(nss);
  if (!handle) {
    const char* why = dlerror();
    throw StoreError(Condition::store_failed, "could not load " + library + " (" + (why ? why : "unknown") + ")");
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR fn = nullptr;
  if (!get || get(&fn) != CKR_OK || !fn) throw StoreError(Condition::store_failed, library + " is not a PKCS#11 module");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  // NSS's modules take their configuration in LibraryParameters (an NSS extension of the structure).
  args.LibraryParameters = reinterpret_cast<CK_CHAR_PTR*>(const_cast<char*>(parameters));
  CK_RV rv = fn->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    throw StoreError(Condition::store_failed, "could not start " + library + " (PKCS#11 error " + hex_rv(rv) + ")");
  }
  // Never finalised: the library stays for the process, as other stores may open slots of it later.
  loaded.emplace(library, fn);
  return fn;
}

// The software token with no database of its own: slot 1 (crypto only) and an empty slot 2.
CK_FUNCTION_LIST_PTR softoken(const NssLibraries& nss) {
  return initialise(nss, "configdir='' certPrefix='' keyPrefix='' secmod='' flags=readOnly,noCertDB,noModDB,optimizeSpace");
}

// Slot ids the token accepts for databases opened later (NSS's user slot range), per loaded token.
constexpr CK_SLOT_ID kFirstUserSlot = 4, kEndUserSlot = 100;
std::map<CK_FUNCTION_LIST_PTR, std::set<CK_SLOT_ID>> g_slots_in_use;

std::string version_of(CK_FUNCTION_LIST_PTR fn) {
  CK_INFO info{};
  if (fn->C_GetInfo(&info) != CKR_OK) return "";
  return std::to_string(info.libraryVersion.major) + "." + std::to_string(info.libraryVersion.minor);
}

CK_RV slot_control(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID on, CK_OBJECT_CLASS what, const std::string& spec) {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_RV rv = fn->C_OpenSession(on, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) return rv;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &what, sizeof what},
                         {CKA_NSS_MODULE_SPEC, const_cast<char*>(spec.c_str()), static_cast<CK_ULONG>(spec.size() + 1)}};
  CK_OBJECT_HANDLE ignored = CK_INVALID_HANDLE;
  rv = fn->C_CreateObject(session, tmpl, 2, &ignored);
  fn->C_CloseSession(session);
  return rv;
}

// The token's parameter syntax nests quotes in brackets; rather than rely on its escaping rules for unusual folder
// names, such a folder is reached through a link with a plain name in a private temporary folder.
bool plain_path(const std::string& p) {
  return std::all_of(p.begin(), p.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("/._-+,@%=:~ ").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

}  // namespace

CK_FUNCTION_LIST_PTR load_pkcs11_library(const std::string& library) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return initialise(NssLibraries{{}, {}, library}, nullptr);
}

std::unique_ptr<SoftokenSlot> SoftokenSlot::open(const fs::path& profile, Mode mode, const NssLibraries& nss) {
  std::lock_guard<std::mutex> lock(g_mutex);
  CK_FUNCTION_LIST_PTR fn = softoken(nss);
  auto& in_use = g_slots_in_use[fn];
  CK_SLOT_ID id = kFirstUserSlot;
  while (id < kEndUserSlot && in_use.count(id)) ++id;
  if (id == kEndUserSlot) throw StoreError(Condition::store_failed, "too many certificate databases open at once");

  fs::path dir = fs::absolute(profile), alias;
  if (!plain_path(dir.string())) {
    std::string tmpl = (fs::temp_directory_path() / "certdoctor-db-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw StoreError(Condition::store_failed, "could not make a temporary folder");
    alias = tmpl;
    std::error_code ec;
    fs::create_directory_symlink(dir, alias / "profile", ec);
    if (ec) {
      fs::remove_all(alias);
      throw StoreError(Condition::store_failed, "could not link to " + dir.string() + ": " + ec.message());
    }
    dir = alias / "profile";
  }
  char slot_hex[16];
  std::snprintf(slot_hex, sizeof slot_hex, "0x%lx", static_cast<unsigned long>(id));
  const std::string spec = std::string("tokens=[") + slot_hex + "=<configdir='sql:" + dir.string() +
                           "' certPrefix='' keyPrefix='' tokenDescription='certdoctor " + slot_hex + "'" +
                           (mode == Mode::read_only ? " flags=readOnly,optimizeSpace" : " flags=optimizeSpace") + ">]";
  CK_RV rv = slot_control(fn, 1, CKO_NSS_NEWSLOT, spec);
  if (rv != CKR_OK) {
    if (!alias.empty()) fs::remove_all(alias);
    throw StoreError(Condition::store_corrupt, "NSS could not open the database in " + profile.string() +
                                          " (PKCS#11 error " + hex_rv(rv) + ")");
  }
  in_use.insert(id);
  return std::unique_ptr<SoftokenSlot>(new SoftokenSlot(fn, id, alias, version_of(fn)));
}

SoftokenSlot::~SoftokenSlot() {
  std::lock_guard<std::mutex> lock(g_mutex);
  char spec[48];
  std::snprintf(spec, sizeof spec, "tokens=[0x%lx=<>]", static_cast<unsigned long>(id_));
  fn_->C_CloseAllSessions(id_);
  slot_control(fn_, id_, CKO_NSS_DELSLOT, spec);  // closes the database files
  g_slots_in_use[fn_].erase(id_);
  std::error_code ec;
  if (!alias_dir_.empty()) fs::remove_all(alias_dir_, ec);  // the link only; remove_all does not follow it
}

}  // namespace certdoctor
