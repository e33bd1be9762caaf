package iam

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
)

// Prefixes of the unique ids IAM and STS hand out, as AWS spells them.
const (
	prefixUser          = "AIDA"
	prefixGroup         = "AGPA"
	prefixRole          = "AROA"
	prefixPolicy        = "ANPA"
	prefixAccessKey     = "AKIA"
	prefixSessionKey    = "ASIA"
	uniqueIDRandomChars = 17
	accessKeyRandChars  = 16
)

// base32Upper is the alphabet of the random part of unique ids and access key ids
// ([A-Z2-7], the RFC 4648 base32 alphabet AWS ids are drawn from).
const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// lowerAlnum is the alphabet of Organizations ids (o-..., r-..., car-...).
const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// ids draws every random identifier and secret IAM hands out from one source.
type ids struct {
	rand io.Reader
}

// chars returns n characters drawn uniformly from alphabet (len ≤ 256) by
// rejection sampling.
func (g ids) chars(alphabet string, n int) (string, error) {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	var buf [32]byte
	for len(out) < n {
		if _, err := io.ReadFull(g.rand, buf[:]); err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}

// unique returns prefix followed by 17 characters of [A-Z2-7], the form of IAM's
// unique ids (AIDA..., AROA..., ANPA...).
func (g ids) unique(prefix string) (string, error) {
	s, err := g.chars(base32Upper, uniqueIDRandomChars)
	return prefix + s, err
}

// accessKeyID returns prefix (AKIA or ASIA) followed by 16 characters of [A-Z2-7].
func (g ids) accessKeyID(prefix string) (string, error) {
	s, err := g.chars(base32Upper, accessKeyRandChars)
	return prefix + s, err
}

// secretKey returns a 40-character secret access key: 30 random bytes in
// standard base64, the alphabet and length of AWS secret keys.
func (g ids) secretKey() (string, error) {
	var b [30]byte
	if _, err := io.ReadFull(g.rand, b[:]); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// sessionToken returns an opaque session token: 96 random bytes in standard
// base64 (128 characters).
func (g ids) sessionToken() (string, error) {
	var b [96]byte
	if _, err := io.ReadFull(g.rand, b[:]); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// accountID returns 12 random decimal digits.
func (g ids) accountID() (string, error) {
	return g.chars("0123456789", 12)
}

// orgID returns an organization id, "o-" and 10 characters of [a-z0-9].
func (g ids) orgID() (string, error) {
	s, err := g.chars(lowerAlnum, 10)
	return "o-" + s, err
}

// rootID returns an organization root id, "r-" and 4 characters of [a-z0-9].
func (g ids) rootID() (string, error) {
	s, err := g.chars(lowerAlnum, 4)
	return "r-" + s, err
}

// createAccountRequestID returns "car-" and 32 characters of [a-z0-9].
func (g ids) createAccountRequestID() (string, error) {
	s, err := g.chars(lowerAlnum, 32)
	return "car-" + s, err
}

func defaultRand(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
