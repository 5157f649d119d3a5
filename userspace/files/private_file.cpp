#include "files/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace darkscope {
namespace {

std::string failure(const std::string& what, const std::string& path, int err) {
    return "cannot " + what + " " + path + ": " + std::strerror(err);
}

}  // namespace

std::string write_private_file(const std::string& dir, const std::string& path,
                               const std::function<void(std::ostream&)>& write) {
    if (mkdir(dir.c_str(), 0700) != 0) {
        if (errno != EEXIST) return failure("create", dir, errno);
        // Made by an older version with 0755: close it now. Not ours: nothing to do.
        (void)chmod(dir.c_str(), 0700);
    }
    std::ostringstream content;
    write(content);
    const std::string bytes = content.str();
    const std::string tmp = path + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return failure("write", tmp, errno);
    int err = fchmod(fd, 0600) == 0 ? 0 : errno;  // a .tmp left by an older version
    for (size_t done = 0; err == 0 && done < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) err = n < 0 ? errno : EIO;
        else done += static_cast<size_t>(n);
    }
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err == 0) return "";
    unlink(tmp.c_str());
    return failure("write", path, err);
}

}  // namespace darkscope
