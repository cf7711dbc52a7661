// src/util/prefault.hpp: a shared writable mapping made through mmap_populating_shared_writes
// is written without a page fault per page.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "temp_dir.hpp"
#include "util/prefault.hpp"

namespace {

// Does this kernel know MADV_POPULATE_READ (Linux 5.14)?
bool kernel_can_populate() {
    const long page = sysconf(_SC_PAGESIZE);
    void* p = mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    const bool ok = madvise(p, page, 22 /* MADV_POPULATE_READ */) == 0;
    munmap(p, page);
    return ok;
}

// The page faults this thread takes, as the kernel counts them for perf (populating pages with
// madvise is not counted there, unlike getrusage's minor faults). -1 when perf events are not
// available (a container that forbids perf_event_open, say).
class FaultCounter {
  public:
    FaultCounter() {
        perf_event_attr attr{};
        attr.type = PERF_TYPE_SOFTWARE;
        attr.size = sizeof attr;
        attr.config = PERF_COUNT_SW_PAGE_FAULTS;
        fd_ = static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    }
    ~FaultCounter() {
        if (fd_ >= 0) ::close(fd_);
    }
    FaultCounter(const FaultCounter&) = delete;
    FaultCounter& operator=(const FaultCounter&) = delete;
    bool available() const { return fd_ >= 0; }
    long long count() const {
        long long value = -1;
        if (fd_ < 0 || ::read(fd_, &value, sizeof value) != sizeof value) return -1;
        return value;
    }

  private:
    int fd_ = -1;
};

// Maps a 32 KiB file shared and writable through `map`, writes a byte to each page and returns
// the page faults that took.
template <typename Map>
long long faults_writing_shared_mapping(const std::string& path, Map map) {
    const std::size_t length = 32 * 1024;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, length) == 0);
    void* mapped = map(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(mapped != MAP_FAILED);
    FaultCounter counter;
    const long long before = counter.count();
    for (std::size_t offset = 0; offset < length; offset += 4096) {
        static_cast<volatile char*>(mapped)[offset] = 1;
    }
    const long long faults = counter.count() - before;
    ::munmap(mapped, length);
    ::close(fd);
    return faults;
}

}  // namespace

TEST_CASE("prefault: a shared writable mapping is mapped in at once", "[prefault]") {
    if (!kernel_can_populate() || !FaultCounter().available()) {
        WARN("no MADV_POPULATE_WRITE or no perf events here: nothing to check");
        return;
    }
    TempDir dir;
    // The same writes through a plain mmap fault once per page: the counter sees them.
    const long long plain = faults_writing_shared_mapping(dir / "plain", ::mmap);
    CHECK(plain >= 8);
    const long long populated =
        faults_writing_shared_mapping(dir / "populated", autodns::mmap_populating_shared_writes);
    CHECK(populated == 0);
}
