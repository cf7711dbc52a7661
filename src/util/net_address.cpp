#include "util/net_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace autodns::util {

std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view address) {
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    if (address.empty() || address.size() > 63) return std::nullopt;
    const std::string s(address);
    std::array<std::uint8_t, 16> out{};
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out[10] = 0xff;
        out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return out;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

std::optional<AddressRange> parse_address_range(std::string_view text) {
    AddressRange range;
    range.text = std::string(text);
    std::string_view address = text;
    std::optional<int> prefix;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        address = text.substr(0, slash);
        const std::string_view digits = text.substr(slash + 1);
        int p = -1;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
            return std::nullopt;
        }
        prefix = p;
    }
    auto bytes = parse_address(address);
    if (!bytes) return std::nullopt;
    const bool v4 = address.find(':') == std::string_view::npos;
    const int max = v4 ? 32 : 128;
    const int p = prefix.value_or(max);
    if (p < 0 || p > max) return std::nullopt;
    range.bytes = *bytes;
    range.prefix = v4 ? p + 96 : p;
    // Host bits must be zero: "10.0.0.1/8" is more likely a typo than a range.
    for (int bit = range.prefix; bit < 128; ++bit) {
        if (range.bytes[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
    }
    return range;
}

bool range_contains(const AddressRange& range, const std::array<std::uint8_t, 16>& address) {
    const int full = range.prefix / 8;
    if (std::memcmp(range.bytes.data(), address.data(), full) != 0) return false;
    const int rest = range.prefix % 8;
    if (rest == 0) return true;
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff00 >> rest);
    return (range.bytes[full] & mask) == (address[full] & mask);
}

bool address_allowed(const std::vector<AddressRange>& ranges, std::string_view address) {
    auto bytes = parse_address(address);
    if (!bytes) return false;
    for (const AddressRange& r : ranges) {
        if (range_contains(r, *bytes)) return true;
    }
    return false;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
    HostPort hp;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        hp.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
        hp.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), hp.port);
    if (ec != std::errc() || end != port.data() + port.size() || port.empty() || hp.port < 0 ||
        hp.port > 65535 || hp.host.empty()) {
        return std::nullopt;
    }
    return hp;
}

}  // namespace autodns::util
