// What the audit judges every endpoint against, as one Firefox would: a profile's cert9.db (`--profile DIR`), or
// the CAs an admin names (`--trust CA.pem…`) imported as trusted into a temporary database of our own (a real NSS
// cert9.db in a temporary folder, removed at the end), and in both cases the built-in roots.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profile/nss_store.hpp"

namespace certdoctor::audit {

class TrustSet {
 public:
  // Throws StoreError (a profile that cannot be opened) or std::runtime_error (a PEM file that holds no
  // certificate), each naming the file.
  static TrustSet open(const std::optional<std::filesystem::path>& profile,
                       const std::vector<std::filesystem::path>& trusted_pems);
  TrustSet(TrustSet&&) noexcept = default;
  TrustSet& operator=(TrustSet&&) noexcept = default;
  ~TrustSet();

  NssStore* profile() const { return profile_.get(); }
  NssStore* builtins() const { return builtins_.get(); }
  const std::string& description() const { return description_; }  // for the report: what was trusted
  const std::optional<std::string>& builtins_problem() const { return builtins_problem_; }

 private:
  TrustSet() = default;
  std::unique_ptr<NssStore> profile_, builtins_;
  std::optional<std::filesystem::path> temp_dir_;  // the --trust database, removed by the destructor
  std::string description_;
  std::optional<std::string> builtins_problem_;
};

}  // namespace certdoctor::audit
