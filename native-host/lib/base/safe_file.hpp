// Reaching files in folders that someone else may control (a user's profile, a shared output folder) without
// being sent elsewhere: folders opened without following a symbolic link at the last step, files reached
// relative to an open folder with O_NOFOLLOW, new files created under random names with O_EXCL and renamed into
// place, and files refused when they belong to someone else or others may write them. Every failure throws
// RequestError with the code the caller gives, so a caller's error keeps its meaning (backup_failed,
// write_failed, unsafe_profile).
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace certdoctor {

// An open file descriptor, closed once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct SafeFileError {
  std::string code;  // the RequestError code every failure is reported under
};

// Opens a folder for *at() calls, walking its path one component at a time with O_NOFOLLOW (so nothing swapped in
// meanwhile redirects it). A symbolic link on the way is followed only when root or the user certdoctor acts as
// made it and no one else can change the folder holding it (an administrator's /home link, a user's own link);
// a link another user could plant or swap is refused with its name. The last component is a link only with
// `follow_last` (and then only a trusted one). Throws when the folder is missing, refused, or not a folder.
Fd open_folder(const std::filesystem::path& path, const SafeFileError& err, bool follow_last = false);

// Opens the folder `name` inside `parent` (creating it 0700 when missing and `create`), never through a link; it
// must be owned by this process's user and writable by no one else (a folder certdoctor made and only its owner
// writes). An empty Fd when it does not exist and `create` is false.
Fd open_private_folder(int parent, const std::string& name, bool create, const std::string& shown,
                       const SafeFileError& err);

// The names in an open folder (not . and ..), in no particular order.
std::vector<std::string> folder_names(int folder);

// lstat-like: what `name` inside `folder` is, without following a link. nullopt when it does not exist.
std::optional<struct stat> stat_at(int folder, const std::string& name);

// The text of a regular file inside `folder`, or nullopt when it does not exist; a link, anything but a regular
// file, a file of another user or one others may write throws (so a planted file is never read as ours).
std::optional<std::string> read_private_file(int folder, const std::string& name, const std::string& shown,
                                             const SafeFileError& err);

// Creates or replaces `name` inside `folder` whole or not at all: a temporary file with a random name
// (O_CREAT|O_EXCL|O_NOFOLLOW), the data written and fsync'ed, the mode set, then renamed over `name`.
void write_file_at(int folder, const std::string& name, const std::string& data, mode_t mode,
                   const std::string& shown, const SafeFileError& err);

// Appends one record to `name` inside `folder` (created 0600 when missing), fsync'ed; never through a link, and
// only to a regular file of this user that others cannot write.
void append_private_file(int folder, const std::string& name, const std::string& data, const std::string& shown,
                         const SafeFileError& err);

// Every file certdoctor writes where the user said (a report, a manifest, reissue's keys and certificates) goes
// through one of the two below. The folder is reached as open_folder reaches it (a trusted link as its own last
// component is followed) and must not let others replace the file once written (no group/other write without the
// sticky bit); the data goes to a random O_CREAT|O_EXCL|O_NOFOLLOW temporary name there, fsync'ed, with the mode
// set whatever the umask.

// Creates or replaces `path` whole (rename over it). An existing `path` must be a regular file of the user
// certdoctor acts as: a link, a FIFO or another user's file is refused and nothing is written.
void write_output_file(const std::filesystem::path& path, const std::string& data, mode_t mode,
                       const SafeFileError& err);

struct NewFile {
  std::filesystem::path path;
  std::string data;
  mode_t mode;
};

// Creates every file, none of which may exist (a dangling link counts as existing), all or none: each is linked
// from its temporary name to its final one, which fails rather than replace a file that appeared meanwhile; on
// any failure the files made so far are removed. An existing file throws RequestError(exists_code), any other
// failure err.code.
void write_new_files(const std::vector<NewFile>& files, const SafeFileError& err, const std::string& exists_code);

}  // namespace certdoctor
