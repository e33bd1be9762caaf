package ssm

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// DefaultKeyAlias is the key a SecureString put without a KeyId is
// encrypted under: the AWS managed key. The Keys adapter is expected to
// create the key and alias on first use in each account and region.
const DefaultKeyAlias = "alias/aws/ssm"

// Keys encrypts and decrypts the data keys of SecureString values; the
// server adapts *kms.Service to it (kms.Service.Encrypt and Decrypt also
// return the key ARN, which the adapter drops). keyID is a key id, key ARN,
// alias name or alias ARN; DefaultKeyAlias must work without the caller
// creating it. encCtx is bound to the ciphertext: Decrypt with a different
// context must fail. Errors that are *awserr.Error (a disabled or missing
// key) reach the caller as they are, except KMS's NotFoundException, which
// becomes InvalidKeyId as in AWS. Implementations must be safe for
// concurrent use.
type Keys interface {
	Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error)
	Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error)
}

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	Keys  Keys
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of data keys and nonces; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Service is the Parameter Store domain. Its methods are safe for
// concurrent use; all state lives in the store.
type Service struct {
	st   *store.Store
	keys Keys
	now  func() time.Time
	rand io.Reader
}

// New migrates the "ssm" tables and returns a Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("ssm: store is required")
	}
	if cfg.Keys == nil {
		return nil, errors.New("ssm: keys are required")
	}
	s := &Service{st: cfg.Store, keys: cfg.Keys, now: cfg.Now, rand: cfg.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if err := s.st.Migrate(ctx, "ssm", migrations()); err != nil {
		return nil, fmt.Errorf("migrate ssm: %w", err)
	}
	return s, nil
}

// envelopeVersion is the first byte of every sealed value: the format is
// version(1) | len(wrapped key)(2, big endian) | wrapped key | nonce(12) |
// AES-256-GCM ciphertext of the value, with the parameter ARN as associated
// data.
const envelopeVersion = 1

func encryptionContext(arn string) map[string]string {
	return map[string]string{"PARAMETER_ARN": arn}
}

// seal encrypts value for the parameter arn under keyID.
func (s *Service) seal(ctx context.Context, account, region, arn, keyID string, value []byte) ([]byte, error) {
	dataKey := make([]byte, 32)
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(s.rand, dataKey); err != nil {
		return nil, fmt.Errorf("read data key: %w", err)
	}
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	wrapped, err := s.keys.Encrypt(ctx, account, region, keyID, dataKey, encryptionContext(arn))
	if err != nil {
		if e, ok := awserr.As(err); ok {
			if e.Code == "NotFoundException" {
				return nil, newErr(CodeInvalidKeyID, "Invalid keyId %s", keyID)
			}
			return nil, err
		}
		return nil, fmt.Errorf("encrypt data key: %w", err)
	}
	if len(wrapped) > 0xffff {
		return nil, fmt.Errorf("encrypted data key of %d bytes is too long", len(wrapped))
	}
	aead, err := newAEAD(dataKey)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 3+len(wrapped)+len(nonce)+len(value)+aead.Overhead())
	out = append(out, envelopeVersion)
	out = binary.BigEndian.AppendUint16(out, uint16(len(wrapped)))
	out = append(out, wrapped...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, value, []byte(arn)), nil
}

// open decrypts what seal returned for the parameter arn.
func (s *Service) open(ctx context.Context, account, region, arn string, blob []byte) ([]byte, error) {
	if len(blob) < 3 || blob[0] != envelopeVersion {
		return nil, fmt.Errorf("sealed value of %s: unknown format", arn)
	}
	n := int(binary.BigEndian.Uint16(blob[1:3]))
	if len(blob) < 3+n+12 {
		return nil, fmt.Errorf("sealed value of %s: truncated", arn)
	}
	wrapped, nonce, sealed := blob[3:3+n], blob[3+n:3+n+12], blob[3+n+12:]
	dataKey, err := s.keys.Decrypt(ctx, account, region, wrapped, encryptionContext(arn))
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("decrypt data key of %s: %w", arn, err)
	}
	aead, err := newAEAD(dataKey)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nonce, sealed, []byte(arn))
	if err != nil {
		return nil, fmt.Errorf("open value of %s: %w", arn, err)
	}
	return plain, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return cipher.NewGCM(block)
}

// view and update run fn and wrap errors that are not AWS errors.
func (s *Service) view(ctx context.Context, fn func(tx *store.Tx) error) error {
	return wrap(s.st.View(ctx, fn))
}

func (s *Service) update(ctx context.Context, fn func(tx *store.Tx) error) error {
	return wrap(s.st.Update(ctx, fn))
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return fmt.Errorf("ssm: %w", err)
}

func encodeJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
