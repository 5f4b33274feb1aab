#!/bin/sh
# Test PKI for the network tests: two CAs and five server certificates.
#   ca.crt        the CA the device trusts
#   other-ca.crt  a CA it does not trust
#   server.*      for 127.0.0.1, ::1 (iPAddress SANs), localhost and
#                 dialtone.test (a name the DNS tests resolve), issued by ca
#   rogue.*       for 127.0.0.1, issued by other-ca (wrong CA)
#   wrong.*       for wrong.example, issued by ca (wrong host)
#   dnsip.*       spells 127.0.0.1 as a DNS name and CN only, no iPAddress SAN
#                 (browsers refuse it for https://127.0.0.1, and so must we)
#   otherip.*     for the address 192.0.2.10 only (wrong address)
set -eu
d=$1
cd "$d"
ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$2.key" -out "$2.crt" 2>/dev/null
}
leaf() {  # name cn san issuer
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
ca "Dialtone Test CA" ca
ca "Someone Else CA" other-ca
leaf server 127.0.0.1 "DNS:localhost,DNS:dialtone.test,IP:127.0.0.1,IP:::1" ca
leaf rogue 127.0.0.1 "DNS:localhost,IP:127.0.0.1" other-ca
leaf wrong wrong.example "DNS:wrong.example" ca
leaf dnsip 127.0.0.1 "DNS:127.0.0.1" ca
leaf otherip 192.0.2.10 "IP:192.0.2.10" ca
