package pki

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
)

// PKCS#8 PBES2 (RFC 8018), written out with encoding/asn1 rather than taken
// from go.step.sm/crypto/pemutil: pemutil's decrypter feeds a file's IV and
// ciphertext to cipher.NewCBCDecrypter/CryptBlocks unchecked (a crafted file
// panics) and runs any iteration count it is given, and importing it would
// pull github.com/pkg/errors and x/crypto into go.mod. The encryption side
// produces the same structure as pemutil.EncryptPKCS8PrivateKey.

const (
	// KDFIterations is the PBKDF2 iteration count for the CA key, the OWASP
	// recommendation for PBKDF2-HMAC-SHA256 (also pemutil.PBKDF2Iterations).
	// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#pbkdf2
	KDFIterations = 600_000
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
	pbkdf2PRFs  = map[string]struct {
		name string
		h    func() hash.Hash
	}{
		asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}.String():  {"hmacWithSHA1", sha1.New},
		asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}.String():  {"hmacWithSHA224", sha256.New224},
		asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}.String():  {"hmacWithSHA256", sha256.New},
		asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}.String(): {"hmacWithSHA384", sha512.New384},
		asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}.String(): {"hmacWithSHA512", sha512.New},
	}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	pbesCiphers   = map[string]struct {
		name    string
		keyLen  int
		block   func([]byte) (cipher.Block, error)
		blockSz int
	}{
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}.String():  {"aes-128-cbc", 16, aes.NewCipher, aes.BlockSize},
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}.String(): {"aes-192-cbc", 24, aes.NewCipher, aes.BlockSize},
		oidAES256CBC.String(): {"aes-256-cbc", 32, aes.NewCipher, aes.BlockSize},
		// des-ede3-cbc: what older OpenSSL wrote by default; read only.
		asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}.String(): {"des-ede3-cbc", 24, des.NewTripleDESCipher, des.BlockSize},
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
	salt   []byte
	iv     []byte
	data   []byte
	prf    func() hash.Hash
	keyLen int
	block  func([]byte) (cipher.Block, error)
}

// ReadKDF reports the PBES2 parameters of a PEM "ENCRYPTED PRIVATE KEY".
func ReadKDF(keyPEM []byte) (KDFParams, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "ENCRYPTED PRIVATE KEY" {
		return KDFParams{}, &ParseError{Want: "ENCRYPTED PRIVATE KEY", Err: errors.New("no such PEM block")}
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
	prf, ok := pbkdf2PRFs[prfOID.String()]
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
		params: KDFParams{KDF: "pbkdf2", PRF: prf.name, Iterations: kp.Iterations, SaltLen: len(kp.Salt), Cipher: c.name},
		salt:   kp.Salt, iv: iv, data: info.EncryptedData,
		prf: prf.h, keyLen: c.keyLen, block: c.block,
	}, nil
}

// decrypt returns the PKCS#8 DER, or ErrBadPassphrase when the padding is
// wrong (CBC has no MAC: the padding is the only check on the passphrase).
func (p *pbes2) decrypt(passphrase []byte) ([]byte, error) {
	key, err := pbkdf2.Key(p.prf, string(passphrase), p.salt, p.params.Iterations, p.keyLen)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	b, err := p.block(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(p.data))
	cipher.NewCBCDecrypter(b, p.iv).CryptBlocks(out, p.data)
	n := int(out[len(out)-1])
	if n == 0 || n > b.BlockSize() {
		return nil, ErrBadPassphrase
	}
	pad := make([]byte, n)
	for i := range pad {
		pad[i] = byte(n)
	}
	if subtle.ConstantTimeCompare(out[len(out)-n:], pad) != 1 {
		return nil, ErrBadPassphrase
	}
	return out[:len(out)-n], nil
}

// encryptPKCS8 wraps PKCS#8 DER in PBES2: PBKDF2-HMAC-SHA256 with
// KDFIterations and a 16-byte salt, then AES-256-CBC, as
// pemutil.EncryptPKCS8PrivateKey(rand, der, pass, x509.PEMCipherAES256) does.
func encryptPKCS8(rand io.Reader, der, passphrase []byte, iterations int) (*pem.Block, error) {
	salt := make([]byte, kdfSaltLen)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, fmt.Errorf("read salt: %w", err)
	}
	if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, fmt.Errorf("read iv: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	// PKCS#5 padding: always 1..16 bytes, each holding the pad length.
	n := aes.BlockSize - len(der)%aes.BlockSize
	data := make([]byte, len(der)+n)
	copy(data, der)
	for i := len(der); i < len(data); i++ {
		data[i] = byte(n)
	}
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(data, data)

	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	info := encryptedPrivateKeyInfo{
		Algo: pbes2Algorithm{
			Algorithm: oidPBES2,
			Parameters: pbes2Params{
				KDF: pbkdf2Algorithm{
					Algorithm: oidPBKDF2,
					Parameters: pbkdf2Params{
						Salt:       salt,
						Iterations: iterations,
						PRF:        pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue},
					},
				},
				Cipher: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
			},
		},
		EncryptedData: data,
	}
	out, err := asn1.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("marshal encrypted key: %w", err)
	}
	return &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: out}, nil
}
