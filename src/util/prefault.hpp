// Mapping the pages a short-lived process is about to touch, a region per system call, instead
// of taking a page fault on each. Linux only; elsewhere, and on kernels before 5.14
// (MADV_POPULATE_*), it does nothing.
//
// Why: on the virtual machines this program is measured on, a page fault costs 10–20 µs,
// while populating a page with madvise costs 0.2–0.6 µs. A `mail` run touched about 175 pages
// one fault at a time; prefaulted, it takes about 75 faults (nearly all before its own code
// runs: the kernel's exec and the dynamic loader). docs/performance.md has the figures.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace autodns {

struct PrefaultResult {
    std::size_t regions = 0;   // memory regions populated
    std::size_t failures = 0;  // regions the kernel refused (EINVAL before Linux 5.14)
};

// mmap(2); a mapping that is both shared and writable is then populated for writing.
void* mmap_populating_shared_writes(void* address, std::size_t length, int protection, int flags,
                                    int fd, off_t offset) noexcept;

// Populates every loadable segment of the executable and of the C library (read-only ones for
// reading, writable ones for writing), then makes malloc keep `heap_bytes` of extra heap at
// the top (M_TOP_PAD) and populates the heap for writing. Uses only the C library, so it may
// run from a constructor before any C++ static initializer. Never fails; what the kernel
// refuses is counted, not reported.
PrefaultResult prefault_process(std::size_t heap_bytes) noexcept;

}  // namespace autodns
