// A fixed set of background threads that work through ranges of indexes together with the
// calling thread. Nothing project-specific.
//
//   util::ThreadPool pool(3);                        // 3 background threads: 4 workers in all
//   pool.start(items.size(), [&](std::size_t i, unsigned worker) { work(items[i], worker); });
//   ... other work on the calling thread ...
//   pool.wait();                                     // joins in, returns once all are done
//
// One range is in flight at a time. Each index is run exactly once, by whichever worker claims
// it first; `worker` is 0 for the calling thread and 1..threads() for the background threads,
// so that per-worker state (a connection, a buffer) can be indexed by it without locking.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace autodns::util {

class ThreadPool {
  public:
    using Task = std::function<void(std::size_t index, unsigned worker)>;

    // Starts `threads` background threads (0: the calling thread does all the work in wait()).
    // They inherit the signal mask of the constructing thread.
    explicit ThreadPool(unsigned threads);
    // Waits for a range still in flight (its exception, if any, is dropped), then joins the
    // threads.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    unsigned threads() const { return static_cast<unsigned>(threads_.size()); }

    // Hands out the indexes 0..count-1 to the background threads and returns at once. Call
    // wait() before the next start(); `task` and whatever it refers to must stay valid until
    // then. Call from one thread only (the one that calls wait()).
    void start(std::size_t count, Task task);

    // Runs indexes of the current range on the calling thread (worker 0) until none is left
    // to claim, then waits until every index has finished. When tasks threw, every other index
    // still ran and the first exception caught is rethrown here. Returns at once when no range
    // is in flight.
    void wait();

    // start() and wait() in one.
    void run(std::size_t count, Task task) {
        start(count, std::move(task));
        wait();
    }

  private:
    void work(unsigned worker, std::uint64_t generation);
    void loop(unsigned worker);

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    Task task_;
    std::size_t count_ = 0;      // indexes of the current range
    std::size_t next_ = 0;       // the next index to claim
    std::size_t completed_ = 0;  // indexes finished
    bool active_ = false;        // a range is in flight (between start() and wait())
    std::uint64_t generation_ = 0;
    std::exception_ptr failure_;
    bool stop_ = false;
};

}  // namespace autodns::util
