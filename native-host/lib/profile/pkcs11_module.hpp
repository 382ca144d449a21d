// PKCS#11 libraries loaded directly (dlopen), without NSS's own module layer.
//
// Why not NSS_InitContext: when NSS sets up a token it searches it for objects by class (the built-in root list,
// PKCS#11 profiles), and the certificate database has no index on the class column, so each search reads the
// whole of cert9.db — twice the database, before certdoctor asks anything (measured: 5,800 page reads for a
// profile of 20,000 certificates; 23 this way). Talking to NSS's software token (libsoftokn3, the same code
// Firefox uses for cert9.db) directly keeps every lookup on the database's indexes.
//
// The software token is one per process; each profile database is opened in a slot of its own through the
// token's documented extension (a CKO_NSS_NEWSLOT object carrying "tokens=[0xID=<configdir=...>]", closed with
// CKO_NSS_DELSLOT), as NSS's SECMOD_OpenUserDB does, so several profiles can be open at once.
#pragma once
#include <pkcs11.h>

#include <filesystem>
#include <memory>
#include <string>

#include "profile/firefox_nss.hpp"

namespace certdoctor {

// A library's function list, initialised once per process and kept for the life of the process.
CK_FUNCTION_LIST_PTR load_pkcs11_library(const std::string& library);

// One profile database opened as a slot of the software token; closing the slot is the destructor's job.
class SoftokenSlot {
 public:
  enum class Mode { read_only, read_write };
  // Throws StoreError (store_failed when the token cannot be loaded, store_corrupt when it refuses the database).
  // `nss`: whose software token (firefox_nss.hpp); each is loaded once per process.
  static std::unique_ptr<SoftokenSlot> open(const std::filesystem::path& profile, Mode mode,
                                            const NssLibraries& nss = system_nss());
  ~SoftokenSlot();
  SoftokenSlot(const SoftokenSlot&) = delete;
  SoftokenSlot& operator=(const SoftokenSlot&) = delete;

  CK_FUNCTION_LIST_PTR functions() const { return fn_; }
  CK_SLOT_ID id() const { return id_; }
  const std::string& version() const { return version_; }  // the token's library version, "3.125"

 private:
  SoftokenSlot(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID id, std::filesystem::path alias, std::string version)
      : fn_(fn), id_(id), alias_dir_(std::move(alias)), version_(std::move(version)) {}
  CK_FUNCTION_LIST_PTR fn_;
  CK_SLOT_ID id_;
  std::filesystem::path alias_dir_;  // a private folder holding a link to the profile, when its name needed one
  std::string version_;
};

}  // namespace certdoctor
