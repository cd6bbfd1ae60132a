#!/bin/sh
# Regenerates testdata/openssl/: keys and CAs made by OpenSSL itself, so that
# the tests check we can reuse a CA we did not create. Run from pki/testdata:
#   sh generate.sh
# The fixtures are committed; the tests never run this script.
set -eu
cd "$(dirname "$0")/openssl"

# Test-only passphrase (>= 15 characters); the tests use the same string.
PASS='docker-docs-passphrase'

# 1. The Docker docs recipe ("Protect the Docker daemon socket"):
#      openssl genrsa -aes256 -out ca-key.pem 4096
#      openssl req -new -x509 -days 365 -key ca-key.pem -sha256 -out ca.pem
#    OpenSSL 3 writes the key as PKCS#8 "ENCRYPTED PRIVATE KEY" (PBKDF2,
#    hmacWithSHA256, 2048 iterations, AES-256-CBC). 3650 days, not the
#    docs' 365, so the fixture does not expire under the tests.
openssl genrsa -aes256 -passout "pass:$PASS" -out ca-key.pem 4096
openssl req -new -x509 -days 3650 -key ca-key.pem -passin "pass:$PASS" -sha256 \
	-subj "/C=US/O=Docker Docs/CN=docker-docs CA" -out ca.pem

# 2. The same recipe under OpenSSL 1.x wrote legacy PEM encryption
#    ("Proc-Type: 4,ENCRYPTED", MD5-based key derivation); -traditional makes
#    OpenSSL 3 do the same.
openssl genrsa -traditional -aes256 -passout "pass:$PASS" -out legacy-ca-key.pem 2048
openssl req -new -x509 -days 3650 -key legacy-ca-key.pem -passin "pass:$PASS" -sha256 \
	-subj "/CN=legacy docs CA" -out legacy-ca.pem

# 3. An EC key from `openssl genpkey -aes256` (PKCS#8 PBES2).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass "pass:$PASS" -out ec-encrypted.pem

# 4. Unencrypted keys in OpenSSL's traditional forms, as an admin may have
#    lying around: "EC PRIVATE KEY" (after an "EC PARAMETERS" block) and
#    "RSA PRIVATE KEY".
openssl ecparam -name prime256v1 -genkey -out ec-traditional.pem
openssl genrsa -traditional -out rsa-traditional.pem 2048

# 5. A leaf that is not a CA, signed by the docs CA, to check LoadCA refuses it.
openssl req -new -newkey rsa:2048 -nodes -keyout leaf-key.pem -subj "/CN=not a ca" -out leaf.csr
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -passin "pass:$PASS" -CAcreateserial \
	-days 3650 -sha256 -extfile leaf.ext -out leaf.pem
rm -f leaf.csr leaf.ext ca.srl
