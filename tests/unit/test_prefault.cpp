#include <fcntl.h>
#include <link.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "util/prefault.hpp"

namespace {

long minor_faults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

// The heap half of prefault_process() only works at start-up, before the first malloc, which a
// test case cannot arrange; tests/integration/test_mail_filter.sh checks it on the filter.

// Does this kernel know MADV_POPULATE_READ (Linux 5.14)?
bool kernel_can_populate() {
    const long page = sysconf(_SC_PAGESIZE);
    void* p = mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    const bool ok = madvise(p, page, 22 /* MADV_POPULATE_READ */) == 0;
    munmap(p, page);
    return ok;
}

struct Segment {
    std::uintptr_t start, end;
};

// The read-only loadable segments of this test program (its code and constants).
std::vector<Segment> own_read_only_segments() {
    std::vector<Segment> out;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') return 0;
            auto& segments = *static_cast<std::vector<Segment>*>(data);
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W)) continue;
                const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
                segments.push_back({start, start + ph.p_memsz});
            }
            return 0;
        },
        &out);
    return out;
}

// Reads one byte of every page of the segments; returns the number of pages read. Raw memory,
// AddressSanitizer's red zones around globals included, so not instrumented.
__attribute__((no_sanitize_address)) std::size_t touch(const std::vector<Segment>& segments) {
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    volatile unsigned char sink = 0;
    std::size_t pages = 0;
    for (const Segment& s : segments) {
        for (std::uintptr_t a = (s.start + page - 1) & ~(page - 1); a < s.end; a += page) {
            sink = sink + *reinterpret_cast<const volatile unsigned char*>(a);
            ++pages;
        }
    }
    return pages;
}

}  // namespace

TEST_CASE("prefault: the program's code is mapped in without a fault per page", "[prefault]") {
    if (!kernel_can_populate()) {
        WARN("this kernel has no MADV_POPULATE_READ (Linux < 5.14): nothing to check");
        return;
    }
    const std::vector<Segment> segments = own_read_only_segments();
    REQUIRE_FALSE(segments.empty());

    const autodns::PrefaultResult result = autodns::prefault_process(0);
    // At least the program's own segments, and the C library's; none refused.
    CHECK(result.regions >= segments.size() + 1);
    CHECK(result.failures == 0);

    // Most of this test program's several megabytes of code never ran in this process, so
    // without the prefault reading every page would take a fault per 16 pages or so (the
    // kernel maps a page's neighbours with it): some fifty here.
    const long before = minor_faults();
    const std::size_t pages = touch(segments);
    const long faults = minor_faults() - before;
    INFO(pages << " pages read, " << faults << " faults");
    CHECK(pages > 500);
    CHECK(faults <= 4);
}

namespace {

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
