// Real Firefox-style certificate databases for tests, made and inspected with NSS's certutil.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "pki.hpp"
#include "process.hpp"

namespace testing {

class Profile {
 public:
  explicit Profile(std::filesystem::path dir);  // creates an empty cert9.db/key4.db with no password
  const std::filesystem::path& dir() const { return dir_; }
  std::string db() const { return "sql:" + dir_.string(); }

  void add(const Issued& cert, const std::string& nickname, const std::string& trust);  // certutil -A
  // As today's Firefox stores it (its own NSS, the calls of its certificate database): the trust as a CKO_TRUST
  // object (tests/support/firefox_certdb.cpp). certutil's add() stands for an older Firefox.
  void add_as_firefox(const Issued& cert, const std::string& nickname, const std::string& trust);
  std::string firefox_trust_of(const std::string& nickname) const;  // the trust Firefox's NSS applies
  void add_with_key(const Issued& cert, const std::string& nickname);                    // via PKCS#12 import
  std::string list() const;                                   // certutil -L, as printed
  std::string trust_of(const std::string& nickname) const;    // the trust column certutil -L prints
  bool holds(const Issued& cert) const;                       // is this exact DER stored?

 private:
  std::filesystem::path dir_;
};

// The lines of a certutil -L listing, sorted: it lists in no fixed order, so listings compare this way.
std::vector<std::string> sorted_lines(const std::string& listing);

// A temporary folder with a PKI in it and an empty profile next to it: the starting point of most tests.
struct Workspace {
  TempDir dir;
  Pki pki{dir.path()};
  Profile profile{dir / "profile"};
};

}  // namespace testing
