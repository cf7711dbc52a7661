#include "util/thread_pool.hpp"

#include <utility>

namespace autodns::util {

ThreadPool::ThreadPool(unsigned threads) {
    threads_.reserve(threads);
    for (unsigned t = 1; t <= threads; ++t) threads_.emplace_back([this, t] { loop(t); });
}

ThreadPool::~ThreadPool() {
    try {
        wait();
    } catch (...) {
        // The caller left without wait(), most likely because of an exception of its own.
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
}

void ThreadPool::start(std::size_t count, Task task) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        task_ = std::move(task);
        count_ = count;
        next_ = 0;
        completed_ = 0;
        active_ = true;
        failure_ = nullptr;
        ++generation_;
    }
    if (count > 0) wake_.notify_all();
}

void ThreadPool::wait() {
    std::uint64_t generation = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!active_) return;
        generation = generation_;
    }
    work(0, generation);
    std::exception_ptr failure;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return completed_ == count_; });
        active_ = false;
        task_ = nullptr;  // drops what the task holds: no thread calls it again
        failure = std::exchange(failure_, nullptr);
    }
    if (failure) std::rethrow_exception(failure);
}

// Runs indexes of `generation` until none is left to claim. An index is claimed under the
// mutex together with the check that its range is still the current one, so a thread that
// wakes late never takes an index of the next range for the previous one (start() may only
// follow a wait(), which returns once every index of a range has completed). The task is
// called without the lock: it cannot change while an index of its range is unfinished.
void ThreadPool::work(unsigned worker, std::uint64_t generation) {
    for (;;) {
        std::size_t i = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (generation_ != generation || !active_ || next_ >= count_) return;
            i = next_++;
        }
        std::exception_ptr failure;
        try {
            task_(i, worker);
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (failure && !failure_) failure_ = std::move(failure);
        if (++completed_ == count_) done_.notify_all();
    }
}

void ThreadPool::loop(unsigned worker) {
    std::uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
        }
        work(worker, seen);
    }
}

}  // namespace autodns::util
