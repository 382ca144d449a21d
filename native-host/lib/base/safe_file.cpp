#include "base/safe_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
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

namespace {

// A link in the path is followed only when no one but root and the user certdoctor acts as could have placed it
// or can swap it: the link belongs to one of them, and so does the folder holding it, which no one else may
// write (unless its sticky bit keeps others from replacing what is not theirs, as in /tmp). Links an
// administrator made (/home pointing elsewhere) are followed; a link another user planted is not.
bool trusted_link(int folder, const struct stat& link) {
  const uid_t me = ::geteuid();
  struct stat holder {};
  if (::fstat(folder, &holder) != 0) return false;
  const bool ours = link.st_uid == 0 || link.st_uid == me;
  const bool holder_ours = holder.st_uid == 0 || holder.st_uid == me;
  const bool others_may_write = (holder.st_mode & (S_IWGRP | S_IWOTH)) && !(holder.st_mode & S_ISVTX);
  return ours && holder_ours && !others_may_write;
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::string part = path.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  return parts;
}

}  // namespace

Fd open_folder(const fs::path& path, const SafeFileError& err, bool follow_last) {
  // Component by component, each opened relative to the one before with O_NOFOLLOW, so that no rename or link
  // swapped in meanwhile can send the walk elsewhere; links are followed only as trusted_link allows, and the
  // last component never.
  const std::string shown = printable(path.string());
  const int start = ::open(path.is_absolute() ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (start < 0) fail(err, "cannot open the folder " + shown, errno);
  Fd current(start);
  std::vector<std::string> todo = components(path.string());
  std::reverse(todo.begin(), todo.end());  // a stack: the next component last
  std::string walked = path.is_absolute() ? "" : ".";
  int links = 0;
  while (!todo.empty()) {
    const std::string part = todo.back();
    todo.pop_back();
    const int fd = ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      current = Fd(fd);
      walked += "/" + part;
      continue;
    }
    const int e = errno;
    const auto st = stat_at(current.get(), part);
    if (!st || !S_ISLNK(st->st_mode)) {
      fail(err, "cannot open the folder " + shown, st && !S_ISDIR(st->st_mode) ? ENOTDIR : e);
    }
    const std::string link = printable(walked + "/" + part);
    if (todo.empty() && !follow_last) fail(err, (links == 0 ? shown : link) + " is a symbolic link; give the folder it points to");
    if (!trusted_link(current.get(), *st)) {
      fail(err, link + ", on the way to " + shown + ", is a symbolic link that a user other than root and user id " +
                    std::to_string(::geteuid()) + " placed or can change (it belongs to user id " +
                    std::to_string(st->st_uid) + "); certdoctor does not follow it: give the path without links");
    }
    if (++links > 40) fail(err, "too many symbolic links on the way to " + shown, ELOOP);
    std::string target(4096, '\0');
    const ssize_t n = ::readlinkat(current.get(), part.c_str(), target.data(), target.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= target.size()) fail(err, "cannot read the link " + link, errno);
    target.resize(static_cast<std::size_t>(n));
    if (target.front() == '/') {
      const int root = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (root < 0) fail(err, "cannot open the folder " + shown, errno);
      current = Fd(root);
      walked.clear();
    }
    const auto more = components(target);
    for (auto it = more.rbegin(); it != more.rend(); ++it) todo.push_back(*it);
  }
  return current;
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

namespace {

// The folder an output file goes in: reached as open_folder reaches it (its own last link followed when trusted),
// and not one where others could replace the file once it is written: no group or other write without the sticky
// bit (which keeps them from renaming or deleting what is not theirs).
Fd open_output_folder(const fs::path& path, const SafeFileError& err) {
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  Fd folder = open_folder(parent, err, true);
  struct stat st {};
  if (::fstat(folder.get(), &st) != 0) fail(err, "cannot examine the folder of " + printable(path.string()), errno);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
    fail(err, "the folder of " + printable(path.string()) + " can be changed by other users, who could replace the "
              "file after it is written; choose a folder only you may write (or one with the sticky bit, like /tmp)");
  }
  return folder;
}

std::string output_name(const fs::path& path, const SafeFileError& err) {
  const fs::path name = path.filename();
  if (name.empty() || name == "." || name == "..") fail(err, printable(path.string()) + " does not name a file");
  return name.string();
}

}  // namespace

void write_output_file(const fs::path& path, const std::string& data, mode_t mode, const SafeFileError& err) {
  const std::string name = output_name(path, err);
  const Fd folder = open_output_folder(path, err);
  if (auto st = stat_at(folder.get(), name)) {
    if (S_ISLNK(st->st_mode)) fail(err, printable(path.string()) + " is a symbolic link; nothing was written");
    if (!S_ISREG(st->st_mode)) fail(err, printable(path.string()) + " is not a regular file; nothing was written");
    if (st->st_uid != ::geteuid()) {
      fail(err, printable(path.string()) + " belongs to user id " + std::to_string(st->st_uid) + ", not to user id " +
                    std::to_string(::geteuid()) + " that certdoctor acts as; nothing was written");
    }
  }
  write_file_at(folder.get(), name, data, mode, path.string(), err);
}

void write_new_files(const std::vector<NewFile>& files, const SafeFileError& err, const std::string& exists_code) {
  struct Target {
    Fd folder;
    std::string name;
  };
  std::vector<Target> targets;
  for (const auto& f : files) {
    Target t{open_output_folder(f.path, err), output_name(f.path, err)};
    if (stat_at(t.folder.get(), t.name)) {  // a dangling link too: writing through it would create a file elsewhere
      throw RequestError(exists_code, "refusing to overwrite " + printable(f.path.string()) +
                                          ": move it away or choose another folder (nothing was written)");
    }
    targets.push_back(std::move(t));
  }
  std::size_t made = 0;
  auto undo = [&] {
    for (std::size_t i = 0; i < made; ++i) ::unlinkat(targets[i].folder.get(), targets[i].name.c_str(), 0);
  };
  for (; made < files.size(); ++made) {
    const auto& f = files[made];
    const Target& t = targets[made];
    // Under a random name first, then linked to the final name, which fails rather than replace a file that
    // appeared meanwhile: the final name never holds a half-written file.
    auto [fd, tmp] = create_temporary(t.folder.get(), t.name, f.mode, f.path.string(), err);
    bool ok = ::fchmod(fd.get(), f.mode) == 0 && write_all(fd.get(), f.data) && ::fsync(fd.get()) == 0;
    int e = errno;
    fd = Fd();
    bool renamed = false;
    if (ok) {
      renamed = ::renameat2(t.folder.get(), tmp.c_str(), t.folder.get(), t.name.c_str(), RENAME_NOREPLACE) == 0;
      // A file system without RENAME_NOREPLACE: a hard link fails the same way on an existing name.
      if (!renamed && errno == EINVAL) ok = ::linkat(t.folder.get(), tmp.c_str(), t.folder.get(), t.name.c_str(), 0) == 0;
      else ok = renamed;
      e = errno;
    }
    if (!renamed) ::unlinkat(t.folder.get(), tmp.c_str(), 0);
    if (!ok) {
      undo();
      if (e == EEXIST) throw RequestError(exists_code, "refusing to overwrite " + printable(f.path.string()) + " (nothing was written)");
      fail(err, "cannot write " + printable(f.path.string()) + " (nothing was kept)", e);
    }
  }
  for (const auto& t : targets) ::fsync(t.folder.get());
}

}  // namespace certdoctor
