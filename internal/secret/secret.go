// Package secret seals secret values (secret access keys, passwords, data
// keys) under a key kept out of the store — the data directory's data key,
// itself sealed under the root key (internal/datakey) — and opens them again.
//
// A sealed value is AES-256-GCM with a random 12-byte nonce, prefixed by a
// version byte and the ID of the root key that sealed it:
//
//	version (1) | key ID (8) | nonce (12) | ciphertext | GCM tag (16)
//
// The header is authenticated with the caller's associated data, which
// binds a sealed value to its row ("iam/accesskey/AKIA..."): a value copied
// into another row does not open there. The key ID lets a later Box hold
// several keys and open values sealed under an old one while sealing under
// the new one.
//
// It is not KMS: it has no key policies, grants or data-key API, and the
// root key never leaves the process. Random nonces bound the number of
// values one key should seal to well under 2^32; rotate before that.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/rootkey"
)

// version1 is the only format so far.
const version1 = 1

const (
	nonceSize  = 12
	tagSize    = 16
	headerSize = 1 + rootkey.IDSize
	// Overhead is how many bytes Seal adds to a plaintext.
	Overhead = headerSize + nonceSize + tagSize
)

var (
	// ErrUnknownKey is returned by Open for a value sealed under another
	// root key than the Box's.
	ErrUnknownKey = errors.New("sealed under an unknown root key")
	// ErrMalformed is returned by Open for input that is not a sealed value.
	ErrMalformed = errors.New("not a sealed value")
	// ErrAuth is returned by Open when the value was altered or the
	// associated data differs from the one it was sealed with.
	ErrAuth = errors.New("sealed value failed authentication")
)

// Box seals values under one key and opens values sealed under it or under
// the older keys it was given. It is safe for concurrent use.
type Box struct {
	id   rootkey.ID
	aead cipher.AEAD
	// older open values sealed before the key changed (e.g. under the root
	// key itself, before the data key existed).
	older map[rootkey.ID]cipher.AEAD
}

// NewBox returns a Box sealing under key and opening under key or older.
func NewBox(key *rootkey.Key, older ...*rootkey.Key) *Box {
	b := &Box{id: key.ID(), aead: newAEAD(key)}
	for _, k := range older {
		if b.older == nil {
			b.older = map[rootkey.ID]cipher.AEAD{}
		}
		b.older[k.ID()] = newAEAD(k)
	}
	return b
}

func newAEAD(key *rootkey.Key) cipher.AEAD {
	kb := key.Bytes()
	defer clear(kb)
	block, err := aes.NewCipher(kb)
	if err != nil {
		panic(fmt.Sprintf("secret: root key rejected by AES: %v", err)) // rootkey guarantees 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(fmt.Sprintf("secret: %v", err))
	}
	return aead
}

// Seal encrypts plaintext, binding it to associatedData, and returns the
// sealed value (len(plaintext) + Overhead bytes).
func (b *Box) Seal(plaintext, associatedData []byte) []byte {
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(plaintext)+tagSize)
	out[0] = version1
	copy(out[1:headerSize], b.id[:])
	nonce := out[headerSize : headerSize+nonceSize]
	_, _ = rand.Read(nonce) // never fails: it crashes the program instead (Go 1.24+)
	return b.aead.Seal(out, nonce, plaintext, additionalData(out[:headerSize], associatedData))
}

// Open decrypts a value made by Seal with the same associatedData. It
// returns ErrMalformed, ErrUnknownKey or ErrAuth (wrapped) when it cannot.
func (b *Box) Open(sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("open secret: %w: %d bytes is too short", ErrMalformed, len(sealed))
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("open secret: %w: unknown version %d", ErrMalformed, sealed[0])
	}
	var id rootkey.ID
	copy(id[:], sealed[1:headerSize])
	aead := b.aead
	if id != b.id {
		if aead = b.older[id]; aead == nil {
			return nil, fmt.Errorf("open secret: %w: key %v, this box has %v", ErrUnknownKey, id, b.id)
		}
	}
	nonce := sealed[headerSize : headerSize+nonceSize]
	plain, err := aead.Open(nil, nonce, sealed[headerSize+nonceSize:], additionalData(sealed[:headerSize], associatedData))
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", ErrAuth)
	}
	return plain, nil
}

// additionalData is what GCM authenticates besides the ciphertext: the
// fixed-size header, then the caller's data.
func additionalData(header, associatedData []byte) []byte {
	ad := make([]byte, 0, len(header)+len(associatedData))
	ad = append(ad, header...)
	return append(ad, associatedData...)
}
