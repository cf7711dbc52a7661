#include "handlers/delivery_thread.hpp"

#include <utility>

namespace autodns {

DeliveryThread::DeliveryThread(std::function<void()> deliver,
                               std::chrono::milliseconds retry_interval)
    : deliver_(std::move(deliver)), retry_interval_(retry_interval) {}

DeliveryThread::~DeliveryThread() {
    stop();
}

void DeliveryThread::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable() || stop_) return;
    thread_ = std::thread([this] { loop(); });
}

void DeliveryThread::wake() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        due_ = true;
    }
    wake_.notify_one();
}

void DeliveryThread::stop() {
    std::thread thread;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        thread = std::move(thread_);
    }
    wake_.notify_one();
    if (thread.joinable()) thread.join();
}

unsigned long DeliveryThread::runs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return runs_;
}

void DeliveryThread::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
        wake_.wait_for(lock, retry_interval_, [&] { return due_ || stop_; });
        if (stop_) break;
        due_ = false;
        ++runs_;
        lock.unlock();
        deliver_();
        lock.lock();
    }
}

}  // namespace autodns
