#include "protocol/tls/ip_san.hpp"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include <cstring>

#include "firmware/core/limits.hpp"

namespace dialtone::protocol {

bool parse_ip_literal(std::string_view host, IpAddress& out) {
  out = IpAddress{};
  char text[limits::kHostMax + 1];
  if (host.empty() || host.size() >= sizeof text) return false;
  std::memcpy(text, host.data(), host.size());
  text[host.size()] = '\0';
  if (inet_pton(AF_INET, text, out.bytes) == 1) {
    out.len = 4;
    return true;
  }
  if (inet_pton(AF_INET6, text, out.bytes) == 1) {
    out.len = 16;
    return true;
  }
  return false;
}

namespace {

// GeneralNames ::= SEQUENCE OF GeneralName; iPAddress is [7] IMPLICIT OCTET
// STRING holding the address in network order (4 or 16 bytes).
bool general_names_have_ip(unsigned char* p, const unsigned char* end, const IpAddress& ip) {
  std::size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
  end = p + len;
  while (p < end) {
    unsigned char tag = *p++;
    if (mbedtls_asn1_get_len(&p, end, &len) != 0) return false;
    if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) && len == ip.len &&
        std::memcmp(p, ip.bytes, len) == 0)
      return true;
    p += len;
  }
  return false;
}

}  // namespace

bool cert_names_ip(const mbedtls_x509_crt& crt, const IpAddress& ip) {
  if (ip.len != 4 && ip.len != 16) return false;
  if (crt.v3_ext.p == nullptr || crt.v3_ext.len == 0) return false;
  unsigned char* p = crt.v3_ext.p;
  const unsigned char* end = p + crt.v3_ext.len;
  std::size_t len = 0;
  // v3_ext is the Extensions SEQUENCE; accept it still inside its [3] wrapper
  // too, so a change in what mbedTLS keeps there cannot silently match nothing.
  constexpr int kExplicitV3 = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3;
  if (*p == kExplicitV3) {
    if (mbedtls_asn1_get_tag(&p, end, &len, kExplicitV3) != 0) return false;
    end = p + len;
  }
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
  end = p + len;
  // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  while (p < end) {
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
    const unsigned char* ext_end = p + len;
    mbedtls_asn1_buf oid{};
    if (mbedtls_asn1_get_tag(&p, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0) return false;
    oid.p = p;
    p += oid.len;
    int critical = 0;
    if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0) return false;
    if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) return false;
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &oid) == 0) return general_names_have_ip(p, p + len, ip);
    p = const_cast<unsigned char*>(ext_end);
  }
  return false;
}

}  // namespace dialtone::protocol
