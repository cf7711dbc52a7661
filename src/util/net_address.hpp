// IPv4/IPv6 addresses and CIDR ranges for allow-lists. No name resolution: text only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autodns::util {

// One address range. IPv4 is kept as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) with the
// prefix shifted by 96, so that "127.0.0.0/8" matches both "127.0.0.1" and "::ffff:127.0.0.1"
// (what a dual-stack socket reports for IPv4 peers).
struct AddressRange {
    std::array<std::uint8_t, 16> bytes{};
    int prefix = 128;
    std::string text;  // as written, for messages
};

// "62.116.129.216", "127.0.0.0/8", "::1", "2001:db8::/32", "[::1]". nullopt when malformed
// (also for host bits set beyond the prefix: "10.0.0.1/8" is refused as ambiguous).
std::optional<AddressRange> parse_address_range(std::string_view text);

// The address as 16 bytes (IPv4 mapped), nullopt when `address` is not a literal address.
std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view address);

bool range_contains(const AddressRange& range, const std::array<std::uint8_t, 16>& address);

// True when `address` (text) lies in one of `ranges`; false for anything unparsable.
bool address_allowed(const std::vector<AddressRange>& ranges, std::string_view address);

// Splits "HOST:PORT", "[V6]:PORT" or "V6" ... into host and port. nullopt when the port is
// missing or not 0..65535.
struct HostPort {
    std::string host;
    int port = 0;
};
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace autodns::util
