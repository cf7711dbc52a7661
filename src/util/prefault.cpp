#include "util/prefault.hpp"

#include <sys/mman.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <link.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#endif

namespace autodns {

#if defined(__linux__) && defined(__GLIBC__)
namespace {

// Values from <linux/mman.h> (Linux 5.14), absent from older C library headers.
#ifndef MADV_POPULATE_READ
constexpr int MADV_POPULATE_READ = 22;
#endif
#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;
#endif

std::uintptr_t page_size() {
    static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    return page;
}

// madvise on the whole pages of [start, end); false when the kernel refuses (no such range, or
// a kernel before 5.14).
bool populate(std::uintptr_t start, std::uintptr_t end, int advice) {
    const std::uintptr_t page = page_size();
    start &= ~(page - 1);
    end = (end + page - 1) & ~(page - 1);
    if (end <= start) return true;
    return ::madvise(reinterpret_cast<void*>(start), end - start, advice) == 0;
}

void populate(std::uintptr_t start, std::uintptr_t end, int advice, PrefaultResult& result) {
    if (populate(start, end, advice)) {
        ++result.regions;
    } else {
        ++result.failures;
    }
}

// The executable is the object with an empty name; the C library is found by its soname.
bool wanted(const char* name) {
    if (name == nullptr || name[0] == '\0') return true;
    const char* base = std::strrchr(name, '/');
    base = base ? base + 1 : name;
    return std::strncmp(base, "libc.so", 7) == 0;
}

int populate_object(dl_phdr_info* info, std::size_t, void* data) {
    auto& result = *static_cast<PrefaultResult*>(data);
    if (!wanted(info->dlpi_name)) return 0;
    const std::uintptr_t page = page_size();
    // The start of the writable segment that the dynamic loader made read-only after
    // relocating (PT_GNU_RELRO, whole pages): it can only be populated for reading.
    std::uintptr_t relro_start = 0, relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_GNU_RELRO) continue;
        relro_start = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
        relro_end = (info->dlpi_addr + ph.p_vaddr + ph.p_memsz) & ~(page - 1);
    }
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        const std::uintptr_t end = start + ph.p_memsz;
        if (!(ph.p_flags & PF_W)) {
            populate(start, end, MADV_POPULATE_READ, result);
            continue;
        }
        if (relro_end > relro_start && relro_start < end && relro_end > start) {
            populate(relro_start, relro_end, MADV_POPULATE_READ, result);
            start = relro_end;
        }
        // Writable pages are private copies: populating them for reading would only map the
        // file's pages, and the first write to each would still fault to copy it.
        populate(start, end, MADV_POPULATE_WRITE, result);
    }
    return 0;
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

PrefaultResult prefault_process(std::size_t heap_bytes) noexcept {
    PrefaultResult result;
    dl_iterate_phdr(populate_object, &result);
    if (heap_bytes > 0) {
        // malloc grows the heap by at least M_TOP_PAD at a time and trims it back no further,
        // so the populated top stays mapped for the allocations that follow.
        mallopt(M_TOP_PAD, static_cast<int>(heap_bytes));
        void* probe = std::malloc(16);
        if (probe != nullptr) {
            const auto bottom = reinterpret_cast<std::uintptr_t>(probe);
            const auto top = reinterpret_cast<std::uintptr_t>(::sbrk(0));
            // sbrk(0) is below a block malloc took with mmap (no brk heap): nothing to do.
            if (top > bottom) populate(bottom, top, MADV_POPULATE_WRITE, result);
            std::free(probe);
        }
    }
    return result;
}

#else

void* mmap_populating_shared_writes(void* address, std::size_t length, int protection, int flags,
                                    int fd, off_t offset) noexcept {
    return ::mmap(address, length, protection, flags, fd, offset);
}

PrefaultResult prefault_process(std::size_t) noexcept {
    return {};
}

#endif

}  // namespace autodns
