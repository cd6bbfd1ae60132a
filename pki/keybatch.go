package pki

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
)

// The one PKCS#8 encrypter: every encrypted key (the CA's, the anchors')
// is written here, by hand rather than with pemutil.EncryptPKCS8PrivateKey,
// because pemutil derives a key per file and a batch must share one key
// derivation (see EncryptKeys); the parameters are then ours and explicit,
// never a library default. pemutil still decrypts (kdf.go), after a strict
// parse of the parameters.

// EncryptKey encodes key as a PEM "ENCRYPTED PRIVATE KEY": PKCS#8 PBES2 with
// PBKDF2-HMAC-SHA256 at KDFIterations and AES-256-CBC, which `openssl pkey
// -passin` opens. Not scrypt: OpenSSL 3 refuses scrypt at a strong N by its
// memory limit. A nil rand means crypto/rand.
func EncryptKey(key crypto.Signer, passphrase []byte, r io.Reader) ([]byte, error) {
	pems, err := EncryptKeys([]crypto.Signer{key}, passphrase, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt key: %w", err)
	}
	return pems[0], nil
}

// EncryptKeys encrypts a batch of keys with one passphrase, each as EncryptKey
// would (a PEM "ENCRYPTED PRIVATE KEY": PKCS#8 PBES2, PBKDF2-HMAC-SHA256 at
// KDFIterations, AES-256-CBC, which `openssl pkey -passin` opens), but with
// one salt for the batch, so that the 600,000 PBKDF2 rounds run once rather
// than once per key: 16 member anchors would otherwise cost 16 x ~90 ms
// (BenchmarkEncryptAnchorKeys). Issue encrypts a new CA's key in the same
// batch as its anchors'.
//
// Sharing the salt within a batch costs no strength: the keys share the
// passphrase, so cracking any one file already opens them all, and the salt
// still differs from every other batch and every other host. Each key gets
// its own random IV, as CBC requires.
func EncryptKeys(keys []crypto.Signer, passphrase []byte, r io.Reader) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if err := ValidatePassphrase(string(passphrase)); err != nil {
		return nil, fmt.Errorf("encrypt keys: %w", err)
	}
	ders := make([][]byte, len(keys))
	for i, key := range keys {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("encrypt keys: %w", err)
		}
		ders[i] = der
	}
	infos, err := encryptPKCS8(ders, passphrase, r, KDFIterations)
	if err != nil {
		return nil, fmt.Errorf("encrypt keys: %w", err)
	}
	out := make([][]byte, len(infos))
	for i, info := range infos {
		out[i] = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: info})
	}
	return out, nil
}

// encryptPKCS8 wraps each PKCS#8 DER in an EncryptedPrivateKeyInfo (PBES2,
// RFC 8018): PBKDF2-HMAC-SHA256 at iterations over one random 16-byte salt,
// then AES-256-CBC with a random IV per key. A nil r means crypto/rand.
func encryptPKCS8(ders [][]byte, passphrase []byte, r io.Reader, iterations int) ([][]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	salt := make([]byte, kdfSaltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, err
	}
	kek, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iterations, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	kdf := pbkdf2Algorithm{
		Algorithm: oidPBKDF2,
		Parameters: pbkdf2Params{
			Salt:       salt,
			Iterations: iterations,
			PRF:        pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue},
		},
	}
	out := make([][]byte, len(ders))
	for i, der := range ders {
		iv := make([]byte, aes.BlockSize)
		if _, err := io.ReadFull(r, iv); err != nil {
			return nil, err
		}
		// PKCS#7 padding (RFC 8018 6.2.1 step 4): always 1..16 bytes.
		pad := aes.BlockSize - len(der)%aes.BlockSize
		data := make([]byte, len(der), len(der)+pad)
		copy(data, der)
		for range pad {
			data = append(data, byte(pad))
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(data, data)
		ivDER, err := asn1.Marshal(iv)
		if err != nil {
			return nil, err
		}
		info := encryptedPrivateKeyInfo{
			Algo: pbes2Algorithm{
				Algorithm: oidPBES2,
				Parameters: pbes2Params{
					KDF:    kdf,
					Cipher: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
				},
			},
			EncryptedData: data,
		}
		if out[i], err = asn1.Marshal(info); err != nil {
			return nil, err
		}
	}
	return out, nil
}
