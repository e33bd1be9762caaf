package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// maxPlaintext is the largest plaintext Encrypt accepts.
const maxPlaintext = 4096

// Data key specs GenerateDataKey accepts.
const (
	DataKeyAES256 = "AES_256"
	DataKeyAES128 = "AES_128"
)

// Encryption algorithm of symmetric keys.
const AlgSymmetricDefault = "SYMMETRIC_DEFAULT"

func newGCM(material []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	return cipher.NewGCM(block)
}

// encryptTx encrypts plaintext under the current version of the key ref
// names, which must be usable, and returns the blob and the key.
func (s *Service) encryptTx(ctx context.Context, tx *store.Tx, account, region, ref string, plaintext []byte, ec map[string]string) ([]byte, *Key, error) {
	k, err := s.load(ctx, tx, account, region, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := usable(k); err != nil {
		return nil, nil, err
	}
	if k.Usage != UsageEncryptDecrypt {
		return nil, nil, newErr(CodeInvalidKeyUsage, "%s key usage is %s which is not valid for Encrypt.", k.ARN(), k.Usage)
	}
	m, err := s.material(ctx, tx, k, k.CurrentVersion)
	if err != nil {
		return nil, nil, err
	}
	aead, err := newGCM(m)
	if err != nil {
		return nil, nil, err
	}
	nonce, err := s.random(nonceLen)
	if err != nil {
		return nil, nil, err
	}
	header := blobHeader(k.ID, k.CurrentVersion)
	out := append(header[:len(header):len(header)], nonce...)
	out = aead.Seal(out, nonce, plaintext, append(header[:len(header):len(header)], encodeContext(ec)...))
	return out, k, nil
}

// decryptTx opens a blob with the key it names, which must be the key ref
// names when ref is not empty.
func (s *Service) decryptTx(ctx context.Context, tx *store.Tx, account, region, ref string, b []byte, ec map[string]string) ([]byte, *Key, error) {
	p, err := parseBlob(b)
	if err != nil {
		return nil, nil, invalidCiphertext()
	}
	if ref != "" {
		want, err := s.resolve(ctx, tx, account, region, ref)
		if err != nil {
			return nil, nil, err
		}
		if want != p.keyID {
			return nil, nil, newErr(CodeIncorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.")
		}
	}
	k, err := s.load(ctx, tx, account, region, p.keyID)
	if awsCode(err) == CodeNotFound {
		return nil, nil, invalidCiphertext()
	}
	if err != nil {
		return nil, nil, err
	}
	if err := usable(k); err != nil {
		return nil, nil, err
	}
	if k.Usage != UsageEncryptDecrypt {
		return nil, nil, newErr(CodeInvalidKeyUsage, "%s key usage is %s which is not valid for Decrypt.", k.ARN(), k.Usage)
	}
	if p.version > k.CurrentVersion {
		return nil, nil, invalidCiphertext()
	}
	m, err := s.material(ctx, tx, k, p.version)
	if err != nil {
		return nil, nil, err
	}
	aead, err := newGCM(m)
	if err != nil {
		return nil, nil, err
	}
	plain, err := aead.Open(nil, p.nonce, p.sealed, append(p.header[:len(p.header):len(p.header)], encodeContext(ec)...))
	if err != nil {
		return nil, nil, invalidCiphertext()
	}
	return plain, k, nil
}

func (s *Service) view(ctx context.Context, fn func(tx *store.Tx) error) error {
	err := s.st.View(ctx, fn)
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return fmt.Errorf("kms: %w", err)
}

// Encrypt encrypts up to 4096 bytes under the key ref names, binding the
// encryption context, and returns the ciphertext blob and the key's ARN.
func (s *Service) Encrypt(ctx context.Context, account, region, ref string, plaintext []byte, ec map[string]string) ([]byte, string, error) {
	if len(plaintext) == 0 || len(plaintext) > maxPlaintext {
		return nil, "", validation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to %d", maxPlaintext)
	}
	var out []byte
	var arn string
	err := s.view(ctx, func(tx *store.Tx) error {
		b, k, err := s.encryptTx(ctx, tx, account, region, ref, plaintext, ec)
		if err != nil {
			return err
		}
		out, arn = b, k.ARN()
		return nil
	})
	return out, arn, err
}

// Decrypt decrypts a blob with the encryption context it was made with and
// returns the plaintext and the ARN of the key the blob names. ref, when
// given, must name that key. A wrong context, a tampered blob or a blob of
// no key of the account is InvalidCiphertextException.
func (s *Service) Decrypt(ctx context.Context, account, region, ref string, b []byte, ec map[string]string) ([]byte, string, error) {
	var out []byte
	var arn string
	err := s.view(ctx, func(tx *store.Tx) error {
		p, k, err := s.decryptTx(ctx, tx, account, region, ref, b, ec)
		if err != nil {
			return err
		}
		out, arn = p, k.ARN()
		return nil
	})
	return out, arn, err
}

// GenerateDataKey returns a fresh data key of n bytes (1 to 1024) in the
// clear and encrypted under the key ref names, and the key's ARN.
func (s *Service) GenerateDataKey(ctx context.Context, account, region, ref string, n int, ec map[string]string) (plaintext, ciphertext []byte, arn string, err error) {
	if n < 1 || n > 1024 {
		return nil, nil, "", validation("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024", n)
	}
	dk, err := s.random(n)
	if err != nil {
		return nil, nil, "", err
	}
	err = s.view(ctx, func(tx *store.Tx) error {
		b, k, err := s.encryptTx(ctx, tx, account, region, ref, dk, ec)
		if err != nil {
			return err
		}
		ciphertext, arn = b, k.ARN()
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	return dk, ciphertext, arn, nil
}

// DataKeyBytes returns the length of a data key given either a KeySpec
// (AES_256, AES_128) or a NumberOfBytes; exactly one must be given.
func DataKeyBytes(spec string, n int) (int, error) {
	switch {
	case spec != "" && n != 0:
		return 0, validation("Please specify either number of bytes or key spec.")
	case spec == DataKeyAES256:
		return 32, nil
	case spec == DataKeyAES128:
		return 16, nil
	case spec != "":
		return 0, validation("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", spec)
	case n == 0:
		return 0, validation("Please specify either number of bytes or key spec.")
	}
	return n, nil
}

// ReEncryptResult is what ReEncrypt returns.
type ReEncryptResult struct {
	Ciphertext               []byte
	SourceKeyARN, DestKeyARN string
}

// ReEncrypt decrypts a blob (as Decrypt, with sourceRef optional) and
// encrypts its plaintext under the key destRef names with destEC, never
// returning the plaintext.
func (s *Service) ReEncrypt(ctx context.Context, account, region string, b []byte, sourceRef string, sourceEC map[string]string, destRef string, destEC map[string]string) (*ReEncryptResult, error) {
	var res ReEncryptResult
	err := s.view(ctx, func(tx *store.Tx) error {
		plain, src, err := s.decryptTx(ctx, tx, account, region, sourceRef, b, sourceEC)
		if err != nil {
			return err
		}
		out, dst, err := s.encryptTx(ctx, tx, account, region, destRef, plain, destEC)
		clear(plain)
		if err != nil {
			return err
		}
		res = ReEncryptResult{Ciphertext: out, SourceKeyARN: src.ARN(), DestKeyARN: dst.ARN()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}
