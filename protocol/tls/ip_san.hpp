// Certificate checks for servers addressed by IP literal.
//
// mbedTLS 2.28 compares the host given to mbedtls_ssl_set_hostname() with the
// certificate's CN and dNSName SANs only; it has no notion of iPAddress SANs.
// RFC 6125 and every browser match an IP literal against iPAddress entries
// alone (a DNS:127.0.0.1 entry or CN=127.0.0.1 does not count), so for an
// address TlsStream skips mbedTLS's name check and asks cert_names_ip().
#pragma once
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <string_view>

namespace dialtone::protocol {

struct IpAddress {
  std::uint8_t bytes[16] = {};
  std::uint8_t len = 0;  // 4 (IPv4) or 16 (IPv6); 0 when not an address
};

// Dotted-quad IPv4 or textual IPv6 (without brackets, no zone id). False for
// anything else, which is then a host name.
bool parse_ip_literal(std::string_view host, IpAddress& out);

// True when the certificate's subjectAltName extension has an iPAddress entry
// equal to `ip`. Reads the extension's DER itself: mbedTLS 2.28's parsed SAN
// list does not promise to keep iPAddress entries.
bool cert_names_ip(const mbedtls_x509_crt& crt, const IpAddress& ip);

}  // namespace dialtone::protocol
