#include "base/safe_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/hex.hpp"
#include "base/request_error.hpp"
#include "base/text.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

[[noreturn]] void fail(const SafeFileError& err, const std::string& what, int errnum = 0) {
  throw RequestError(err.code, errnum ? what + ": " + std::strerror(errnum) : what);
}

// Owned by this process's (effective) user, and no one else may write it.
void require_private(const struct stat& st, const std::string& shown, const SafeFileError& err) {
  if (st.st_uid != ::geteuid()) {
    fail(err, printable(shown) + " belongs to user id " + std::to_string(st.st_uid) + ", not to user id " +
                  std::to_string(::geteuid()) + " that certdoctor acts as; it is not used");
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    fail(err, printable(shown) + " can be changed by other users (mode " + std::to_string((st.st_mode >> 6) & 7) +
                  std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + "); it is not used");
  }
}

std::string random_suffix() {
  std::string bytes(8, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw RequestError("internal_error", "no random bytes for a temporary file name");
    got += static_cast<std::size_t>(n);
  }
  return to_hex(bytes);
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A new file in `folder` under a name no one could predict, so nothing planted there can be written through.
std::pair<Fd, std::string> create_temporary(int folder, const std::string& name, mode_t mode, const std::string& shown,
                                            const SafeFileError& err) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string tmp = "." + name + "." + random_suffix() + ".tmp";
    int fd = ::openat(folder, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0600);
    if (fd >= 0) return {Fd(fd), tmp};
    if (errno != EEXIST) fail(err, "cannot create a temporary file beside " + printable(shown), errno);
  }
  fail(err, "cannot create a temporary file beside " + printable(shown));
}

}  // namespace

Fd open_folder(const fs::path& path, const SafeFileError& err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      fail(err, printable(path.string()) + " is a symbolic link; give the folder it points to");
    }
    fail(err, "cannot open the folder " + printable(path.string()), e == ENOTDIR ? ENOTDIR : e);
  }
  return Fd(fd);
}

Fd open_private_folder(int parent, const std::string& name, bool create, const std::string& shown,
                       const SafeFileError& err) {
  if (create && ::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
    fail(err, "cannot create " + printable(shown), errno);
  }
  int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    if (!create && e == ENOENT) return Fd();
    if (auto st = stat_at(parent, name); st && S_ISLNK(st->st_mode)) {
      fail(err, printable(shown) + " is a symbolic link; it is not used");
    }
    fail(err, "cannot open " + printable(shown), e);
  }
  Fd folder(fd);
  struct stat st {};
  if (::fstat(folder.get(), &st) != 0) fail(err, "cannot examine " + printable(shown), errno);
  require_private(st, shown, err);
  return folder;
}

std::vector<std::string> folder_names(int folder) {
  std::vector<std::string> names;
  const int copy = ::openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!d) {
    if (copy >= 0) ::close(copy);
    return names;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  return names;
}

std::optional<struct stat> stat_at(int folder, const std::string& name) {
  struct stat st {};
  if (::fstatat(folder, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  return st;
}

std::optional<std::string> read_private_file(int folder, const std::string& name, const std::string& shown,
                                             const SafeFileError& err) {
  // O_NONBLOCK: a FIFO planted under the name must not hang the run; it is refused below as not a regular file.
  int fd = ::openat(folder, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) fail(err, printable(shown) + " is a symbolic link; it is not read");
    fail(err, "cannot read " + printable(shown), errno);
  }
  Fd file(fd);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) fail(err, "cannot examine " + printable(shown), errno);
  if (!S_ISREG(st.st_mode)) fail(err, printable(shown) + " is not a regular file; it is not read");
  require_private(st, shown, err);
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(file.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(err, "cannot read " + printable(shown), errno);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

void write_file_at(int folder, const std::string& name, const std::string& data, mode_t mode, const std::string& shown,
                   const SafeFileError& err) {
  auto [fd, tmp] = create_temporary(folder, name, mode, shown, err);
  const bool ok = ::fchmod(fd.get(), mode) == 0 && write_all(fd.get(), data) && ::fsync(fd.get()) == 0;
  const int e = errno;
  fd = Fd();
  if (!ok || ::renameat(folder, tmp.c_str(), folder, name.c_str()) != 0) {
    const int e2 = ok ? errno : e;
    ::unlinkat(folder, tmp.c_str(), 0);
    fail(err, "cannot write " + printable(shown), e2);
  }
  ::fsync(folder);  // the rename itself on disk
}

void append_private_file(int folder, const std::string& name, const std::string& data, const std::string& shown,
                         const SafeFileError& err) {
  int fd = ::openat(folder, name.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == ELOOP) fail(err, printable(shown) + " is a symbolic link; nothing was written to it");
    fail(err, "cannot append to " + printable(shown), errno);
  }
  Fd file(fd);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) fail(err, "cannot examine " + printable(shown), errno);
  if (!S_ISREG(st.st_mode)) fail(err, printable(shown) + " is not a regular file; nothing was written to it");
  require_private(st, shown, err);
  if (!write_all(file.get(), data) || ::fsync(file.get()) != 0) fail(err, "cannot append to " + printable(shown), errno);
}

void write_output_file(const fs::path& path, const std::string& data, mode_t mode, bool replace,
                       const SafeFileError& err) {
  const fs::path name = path.filename();
  if (name.empty() || name == "." || name == "..") fail(err, printable(path.string()) + " does not name a file");
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const Fd folder = open_folder(parent, err);
  if (auto st = stat_at(folder.get(), name.string())) {
    if (!replace) fail(err, printable(path.string()) + " exists already; nothing was written");
    if (S_ISLNK(st->st_mode)) fail(err, printable(path.string()) + " is a symbolic link; nothing was written");
    if (!S_ISREG(st->st_mode)) fail(err, printable(path.string()) + " is not a regular file; nothing was written");
  }
  if (replace) {
    write_file_at(folder.get(), name.string(), data, mode, path.string(), err);
    return;
  }
  // Not replacing: the final name itself is created exclusively, so a file that appears meanwhile is kept.
  int fd = ::openat(folder.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) fail(err, "cannot create " + printable(path.string()), errno);
  Fd file(fd);
  if (::fchmod(file.get(), mode) != 0 || !write_all(file.get(), data) || ::fsync(file.get()) != 0) {
    const int e = errno;
    ::unlinkat(folder.get(), name.c_str(), 0);
    fail(err, "writing " + printable(path.string()) + " failed", e);
  }
}

}  // namespace certdoctor
