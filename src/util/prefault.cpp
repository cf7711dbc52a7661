#include "util/prefault.hpp"

#include <sys/mman.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <unistd.h>

#include <cstdint>
#endif

namespace autodns {

#if defined(__linux__) && defined(__GLIBC__)
namespace {

// Values from <linux/mman.h> (Linux 5.14), absent from older C library headers.
#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;
#endif

std::uintptr_t page_size() {
    static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    return page;
}

// madvise on the whole pages of [start, end); false when the kernel refuses (a kernel before
// 5.14).
bool populate(std::uintptr_t start, std::uintptr_t end, int advice) {
    const std::uintptr_t page = page_size();
    start &= ~(page - 1);
    end = (end + page - 1) & ~(page - 1);
    if (end <= start) return true;
    return ::madvise(reinterpret_cast<void*>(start), end - start, advice) == 0;
}

}  // namespace

void* mmap_populating_shared_writes(void* address, std::size_t length, int protection, int flags,
                                    int fd, off_t offset) noexcept {
    void* mapped = ::mmap(address, length, protection, flags, fd, offset);
    if (mapped != MAP_FAILED && (protection & PROT_WRITE) && (flags & MAP_SHARED)) {
        const auto start = reinterpret_cast<std::uintptr_t>(mapped);
        populate(start, start + length, MADV_POPULATE_WRITE);
    }
    return mapped;
}

#else

void* mmap_populating_shared_writes(void* address, std::size_t length, int protection, int flags,
                                    int fd, off_t offset) noexcept {
    return ::mmap(address, length, protection, flags, fd, offset);
}

#endif

}  // namespace autodns
