// An mmap that maps a shared writable mapping in at once (one madvise) instead of taking a
// page fault on each of its pages at the first write. Linux only; elsewhere, and on kernels
// before 5.14 (MADV_POPULATE_WRITE), it is plain mmap.
//
// Its one user is the SQLite store, for the WAL index (the -shm file) that every connection
// writes whole.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace autodns {

// mmap(2); a mapping that is both shared and writable is then populated for writing.
void* mmap_populating_shared_writes(void* address, std::size_t length, int protection, int flags,
                                    int fd, off_t offset) noexcept;

}  // namespace autodns
