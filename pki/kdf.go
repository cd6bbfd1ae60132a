package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"

	"go.step.sm/crypto/pemutil"
)

// PKCS#8 PBES2 (RFC 8018), reading. Decryption is go.step.sm/crypto/pemutil's
// (encryption is keybatch.go's); what this file adds is a strict parse that
// runs first: pemutil's decrypter runs any iteration count a file asks for,
// feeds the file's IV and ciphertext to cipher.NewCBCDecrypter/CryptBlocks
// unchecked (wrong sizes panic), and silently treats an unknown PRF as SHA-1. parsePBES2 refuses all
// of these before any key derivation runs, and ReadKDF reports the parameters.

const (
	// KDFIterations is the PBKDF2 iteration count for the CA key, the OWASP
	// recommendation for PBKDF2-HMAC-SHA256 (also pemutil.PBKDF2Iterations).
	// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#pbkdf2
	KDFIterations = pemutil.PBKDF2Iterations
	// MaxKDFIterations bounds the work a crafted key file can make us do:
	// 10M rounds of HMAC-SHA256 already take seconds.
	MaxKDFIterations = 10_000_000
	kdfSaltLen       = 16
	maxSaltLen       = 1024
)

var (
	oidPBES2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	// The PRFs pemutil implements; it would read any other as SHA-1.
	pbkdf2PRFs = map[string]string{
		oidHMACSHA1.String():   "hmacWithSHA1",
		oidHMACSHA256.String(): "hmacWithSHA256",
	}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	pbesCiphers   = map[string]struct {
		name    string
		keyLen  int
		blockSz int
	}{
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}.String():  {"aes-128-cbc", 16, 16},
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}.String(): {"aes-192-cbc", 24, 16},
		oidAES256CBC.String(): {"aes-256-cbc", 32, 16},
		// des-ede3-cbc: what older OpenSSL wrote by default; read only.
		asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}.String(): {"des-ede3-cbc", 24, 8},
	}
)

type encryptedPrivateKeyInfo struct {
	Algo          pbes2Algorithm
	EncryptedData []byte
}

type pbes2Algorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters pbes2Params
}

type pbes2Params struct {
	KDF    pbkdf2Algorithm
	Cipher pkix.AlgorithmIdentifier // parameters: the IV, an OCTET STRING
}

type pbkdf2Algorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters pbkdf2Params
}

type pbkdf2Params struct {
	Salt       []byte // only the "specified" choice; nobody writes otherSource
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"` // absent means hmacWithSHA1
}

// KDFParams describes how an "ENCRYPTED PRIVATE KEY" was protected.
type KDFParams struct {
	KDF        string // "pbkdf2"
	PRF        string // e.g. "hmacWithSHA256"
	Iterations int
	SaltLen    int
	Cipher     string // e.g. "aes-256-cbc"
}

// pbes2 is a parsed EncryptedPrivateKeyInfo, checked enough that decrypting
// it can neither panic nor run for long.
type pbes2 struct {
	params KDFParams
}

// What ReadKDF finds instead of PBES2 parameters, besides a damaged key
// (a *ParseError).
var (
	// ErrLegacyEncryption: the key is encrypted the pre-PKCS#8 way
	// ("Proc-Type: 4,ENCRYPTED", an MD5-based key derivation).
	ErrLegacyEncryption = errors.New("legacy PEM encryption")
	// ErrNotEncrypted: the key is not encrypted at all.
	ErrNotEncrypted = errors.New("the key is not encrypted")
)

// ReadKDF reports the PBES2 parameters of a PEM "ENCRYPTED PRIVATE KEY".
// A key encrypted the legacy way gives ErrLegacyEncryption, an unencrypted
// one ErrNotEncrypted; anything else that is not a well-formed PBES2 key
// (no private key block, a damaged one) is a *ParseError.
func ReadKDF(keyPEM []byte) (KDFParams, error) {
	block := findBlock(keyPEM, isKeyBlock)
	switch {
	case block == nil:
		return KDFParams{}, &ParseError{Want: "ENCRYPTED PRIVATE KEY", Err: errors.New("no private key PEM block")}
	case block.Type == "ENCRYPTED PRIVATE KEY":
	case isEncryptedBlock(block):
		return KDFParams{}, fmt.Errorf("%s: %w", block.Type, ErrLegacyEncryption)
	default:
		return KDFParams{}, fmt.Errorf("%s: %w", block.Type, ErrNotEncrypted)
	}
	p, err := parsePBES2(block.Bytes)
	if err != nil {
		return KDFParams{}, err
	}
	return p.params, nil
}

func parsePBES2(der []byte) (*pbes2, error) {
	bad := func(format string, a ...any) error {
		return &ParseError{Want: "ENCRYPTED PRIVATE KEY", Err: fmt.Errorf(format, a...)}
	}
	var info encryptedPrivateKeyInfo
	rest, err := asn1.Unmarshal(der, &info)
	if err != nil {
		return nil, bad("not PKCS#8 PBES2: %v", err)
	}
	if len(rest) > 0 {
		return nil, bad("trailing data after the key")
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, bad("unsupported encryption scheme %v: only PBES2 is supported", info.Algo.Algorithm)
	}
	kdf := info.Algo.Parameters.KDF
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return nil, bad("unsupported key derivation %v: only PBKDF2 is supported", kdf.Algorithm)
	}
	kp := kdf.Parameters
	prfOID := kp.PRF.Algorithm
	if len(prfOID) == 0 {
		prfOID = oidHMACSHA1 // the ASN.1 DEFAULT
	}
	prfName, ok := pbkdf2PRFs[prfOID.String()]
	if !ok {
		return nil, bad("unsupported PBKDF2 PRF %v", prfOID)
	}
	// Checked before any PBKDF2 runs, so a crafted file cannot hang us.
	if kp.Iterations < 1 || kp.Iterations > MaxKDFIterations {
		return nil, bad("PBKDF2 iteration count %d is outside 1..%d", kp.Iterations, MaxKDFIterations)
	}
	if len(kp.Salt) == 0 || len(kp.Salt) > maxSaltLen {
		return nil, bad("PBKDF2 salt of %d bytes", len(kp.Salt))
	}
	c, ok := pbesCiphers[info.Algo.Parameters.Cipher.Algorithm.String()]
	if !ok {
		return nil, bad("unsupported cipher %v", info.Algo.Parameters.Cipher.Algorithm)
	}
	if kp.KeyLength != 0 && kp.KeyLength != c.keyLen {
		return nil, bad("PBKDF2 key length %d does not fit %s", kp.KeyLength, c.name)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(info.Algo.Parameters.Cipher.Parameters.FullBytes, &iv); err != nil {
		return nil, bad("cipher IV: %v", err)
	}
	// cipher.NewCBCDecrypter and CryptBlocks panic on wrong sizes.
	if len(iv) != c.blockSz {
		return nil, bad("IV of %d bytes for %s", len(iv), c.name)
	}
	if len(info.EncryptedData) == 0 || len(info.EncryptedData)%c.blockSz != 0 {
		return nil, bad("encrypted data of %d bytes is not whole %s blocks", len(info.EncryptedData), c.name)
	}
	return &pbes2{
		params: KDFParams{KDF: "pbkdf2", PRF: prfName, Iterations: kp.Iterations, SaltLen: len(kp.Salt), Cipher: c.name},
	}, nil
}

// decrypt returns the PKCS#8 DER, or ErrBadPassphrase. The parse above has
// bounded the work and checked every size pemutil relies on.
func (p *pbes2) decrypt(der, passphrase []byte) ([]byte, error) {
	out, err := pemutil.DecryptPKCS8PrivateKey(slices.Clone(der), passphrase)
	if errors.Is(err, x509.IncorrectPasswordError) {
		// CBC has no MAC: the padding is the only check on the passphrase.
		return nil, ErrBadPassphrase
	}
	return out, err
}
