// jsonl handler: appends the record as one line to a file, durably.
//
// The append holds an exclusive flock() on the file, so that lines of concurrent dispatchers
// never interleave and a failed (short) write can be cut off again; the file and, when it was
// just created, its directory are fsync'ed before the delivery counts as done. A crash between
// the fsync and the outbox update appends the line again later: readers dedup by "key".
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "handlers/handler.hpp"
#include "util/files.hpp"
#include "util/io.hpp"

namespace autodns {
namespace {

using Clock = std::chrono::steady_clock;

class JsonlHandler : public Handler {
  public:
    explicit JsonlHandler(HandlerSpec spec) : spec_(std::move(spec)) {}

    DeliveryResult deliver(const Delivery& delivery, Clock::time_point deadline) override {
        bool created = false;
        int fd = open(spec_.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            fd = open(spec_.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
            created = fd >= 0;
            if (fd < 0 && errno == EEXIST)
                fd = open(spec_.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        }
        if (fd < 0) return util::Failure{failure("cannot open")};

        // The lock, waiting for another dispatcher's append at most until the deadline
        // (jsonl's worst case is 30 s: handler.cpp).
        const auto give_up = std::min(deadline, Clock::now() + std::chrono::seconds(25));
        while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if ((errno != EWOULDBLOCK && errno != EINTR) || Clock::now() >= give_up) {
                DeliveryResult r = util::Failure{failure("cannot lock")};
                close(fd);
                return r;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        struct stat st {};
        if (fstat(fd, &st) != 0) {
            DeliveryResult r = util::Failure{failure("cannot stat")};
            close(fd);
            return r;
        }
        const std::string line = delivery.record_json + "\n";
        std::size_t written = 0;
        while (written < line.size()) {
            const ssize_t n = write(fd, line.data() + written, line.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                std::string error = failure(n < 0 ? "cannot write to" : "no space left in");
                if (ftruncate(fd, st.st_size) != 0) error += " (and cannot cut the partial line)";
                close(fd);
                return util::Failure{error};
            }
            written += static_cast<std::size_t>(n);
        }
        if (fsync(fd) != 0) {
            DeliveryResult r = util::Failure{failure("cannot sync")};
            close(fd);
            return r;
        }
        close(fd);  // releases the lock
        if (created) sync_directory();
        return {};
    }

  private:
    // WHAT PATH: the errno's text.
    std::string failure(const char* what) const {
        const int error = errno;
        return std::string(what) + " " + spec_.path + ": " + util::errno_text(error);
    }

    // A new file's directory entry is durable only once its directory is synced (best effort:
    // the line itself is synced).
    void sync_directory() const {
        static_cast<void>(util::sync_path(util::directory_of(spec_.path), true));
    }

    HandlerSpec spec_;
};

}  // namespace

std::unique_ptr<Handler> make_jsonl_handler(const HandlerSpec& spec) {
    return std::make_unique<JsonlHandler>(spec);
}

}  // namespace autodns
