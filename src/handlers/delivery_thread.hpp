// Handler delivery on a thread of its own, for a long-running receiver (serve): the channel's
// answer never waits for a handler. The thread runs `deliver` once when started (work left
// from before), then again after every wake() and, without one, every `retry_interval` (for
// the retries that have fallen due).
//
//   DeliveryThread deliverer([&] { delivery.run_all(); });
//   ... after each commit that stored notifications: deliverer.wake(); ...
//   deliverer.start();  // once the signal mask the thread is to inherit is in place
//   ... deliverer.stop() or its destructor: no new run; the one under way is finished ...
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace autodns {

class DeliveryThread {
  public:
    // `deliver` must not throw (an exception leaving the thread ends the program).
    explicit DeliveryThread(std::function<void()> deliver,
                            std::chrono::milliseconds retry_interval = std::chrono::seconds(30));
    ~DeliveryThread();  // stop()
    DeliveryThread(const DeliveryThread&) = delete;
    DeliveryThread& operator=(const DeliveryThread&) = delete;

    // Starts the thread (once; later calls do nothing). It inherits the calling thread's
    // signal mask.
    void start();

    // Asks for another run: as soon as the one under way (if any) has ended. Wakes that come
    // before the next run begins are one run. Safe from any thread, also before start().
    void wake();

    // Ends the thread: a run under way is finished, no other begins. Safe to call more than
    // once, and without start().
    void stop();

    // Runs begun so far (for tests and logs).
    unsigned long runs() const;

  private:
    void loop();

    const std::function<void()> deliver_;
    const std::chrono::milliseconds retry_interval_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = true;  // the first run picks up work left from before
    bool stop_ = false;
    unsigned long runs_ = 0;
    std::thread thread_;
};

}  // namespace autodns
