package codesign

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Version is the format's name: the comment's first word and the canonical
// payload's first line.
const Version = "STRATUS-SIGNATURE-1"

// AlgorithmECDSASHA256 is the one signing algorithm: ECDSA on P-256 over
// SHA-256, as KMS names it.
const AlgorithmECDSASHA256 = "ECDSA_SHA_256"

// commentPrefix starts the archive comment of a signed zip.
const commentPrefix = Version + " "

// Errors Parse and Check report; match them with errors.Is.
var (
	// ErrNotZip: the bytes have no zip End Of Central Directory record.
	ErrNotZip = errors.New("codesign: not a zip archive")
	// ErrUnsigned: the zip's comment is not a Stratus signature.
	ErrUnsigned = errors.New("codesign: zip is not signed")
	// ErrMalformed: the comment claims a signature but does not hold a sound one.
	ErrMalformed = errors.New("codesign: malformed signature")
	// ErrDigest: the code digest does not match the zip (its bytes changed).
	ErrDigest = errors.New("codesign: code digest does not match the zip")
	// ErrBadSignature: the signature does not verify under the key.
	ErrBadSignature = errors.New("codesign: signature is not valid under the key")
	// ErrKeyMismatch: keyArn is not the profile version's key.
	ErrKeyMismatch = errors.New("codesign: key is not the signing profile version's key")
	// ErrUnknownProfile: the signing profile version does not exist.
	ErrUnknownProfile = errors.New("codesign: signing profile version does not exist")
)

// eocdLen is the size of the End Of Central Directory record without its
// comment; the comment length is its last two bytes.
const (
	eocdLen        = 22
	eocdSignature  = "PK\x05\x06"
	maxCommentLen  = 0xffff
	commentLenSpot = 20
)

// eocd finds the End Of Central Directory record: the last one whose
// comment runs exactly to the end of the data.
func eocd(zip []byte) (off int, err error) {
	last := len(zip) - eocdLen
	first := max(0, last-maxCommentLen)
	for off = last; off >= first; off-- {
		if string(zip[off:off+4]) != eocdSignature {
			continue
		}
		n := int(binary.LittleEndian.Uint16(zip[off+commentLenSpot:]))
		if off+eocdLen+n == len(zip) {
			return off, nil
		}
	}
	return 0, ErrNotZip
}

// stripped returns the zip without its archive comment, the comment length
// set to zero: the bytes the code digest covers.
func stripped(zip []byte) ([]byte, error) {
	off, err := eocd(zip)
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(zip[:off+eocdLen])
	out[off+commentLenSpot], out[off+commentLenSpot+1] = 0, 0
	return out, nil
}

// comment returns the zip's archive comment.
func comment(zip []byte) (string, error) {
	off, err := eocd(zip)
	if err != nil {
		return "", err
	}
	return string(zip[off+eocdLen:]), nil
}

// CodeDigest returns the lowercase hex SHA-256 of zip with its archive
// comment removed and the comment length zeroed. Returns ErrNotZip when zip
// has no End Of Central Directory record.
func CodeDigest(zip []byte) (string, error) {
	s, err := stripped(zip)
	if err != nil {
		return "", err
	}
	d := sha256.Sum256(s)
	return hex.EncodeToString(d[:]), nil
}

// Payload is what a signature vouches for.
type Payload struct {
	ProfileVersionARN string
	JobID             string
	SignedAt          time.Time
	ExpiresAt         time.Time
	KeyARN            string
	Algorithm         string
	CodeDigest        string
}

// fields returns the payload's name:value pairs in canonical order.
func (p Payload) fields() [][2]string {
	return [][2]string{
		{"profileVersionArn", p.ProfileVersionARN},
		{"jobId", p.JobID},
		{"signedAt", formatTime(p.SignedAt)},
		{"expiresAt", formatTime(p.ExpiresAt)},
		{"keyArn", p.KeyARN},
		{"algorithm", p.Algorithm},
		{"codeDigest", p.CodeDigest},
	}
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Canonical returns the bytes the signature covers (see the package doc).
func (p Payload) Canonical() []byte {
	var b strings.Builder
	b.WriteString(Version + "\n")
	for _, f := range p.fields() {
		b.WriteString(f[0] + ":" + f[1] + "\n")
	}
	return []byte(b.String())
}

// Digest returns SHA-256 of the canonical bytes: what KMS Sign receives with
// MessageType DIGEST.
func (p Payload) Digest() []byte {
	d := sha256.Sum256(p.Canonical())
	return d[:]
}

// validate reports a payload that cannot be signed or trusted.
func (p Payload) validate() error {
	for _, f := range p.fields() {
		if f[1] == "" {
			return fmt.Errorf("%w: %s is empty", ErrMalformed, f[0])
		}
		if strings.ContainsAny(f[1], "\n\r") {
			return fmt.Errorf("%w: %s holds a line break", ErrMalformed, f[0])
		}
	}
	if p.SignedAt.IsZero() || p.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: signedAt and expiresAt are required", ErrMalformed)
	}
	if p.Algorithm != AlgorithmECDSASHA256 {
		return fmt.Errorf("%w: algorithm %q is not %s", ErrMalformed, p.Algorithm, AlgorithmECDSASHA256)
	}
	if d, err := hex.DecodeString(p.CodeDigest); err != nil || len(d) != sha256.Size || p.CodeDigest != strings.ToLower(p.CodeDigest) {
		return fmt.Errorf("%w: codeDigest is not a lowercase hex SHA-256", ErrMalformed)
	}
	return nil
}

// wirePayload and envelope are the JSON of the comment.
type wirePayload struct {
	ProfileVersionARN string `json:"profileVersionArn"`
	JobID             string `json:"jobId"`
	SignedAt          string `json:"signedAt"`
	ExpiresAt         string `json:"expiresAt"`
	KeyARN            string `json:"keyArn"`
	Algorithm         string `json:"algorithm"`
	CodeDigest        string `json:"codeDigest"`
}

type envelope struct {
	Payload   wirePayload `json:"payload"`
	Signature string      `json:"signature"`
}

// Assemble returns zip with the signature sig of payload as its archive
// comment, replacing any comment it had. payload.CodeDigest must be the
// zip's CodeDigest. The signature is not verified here (Check does that).
func Assemble(zip []byte, payload Payload, sig []byte) ([]byte, error) {
	if err := payload.validate(); err != nil {
		return nil, err
	}
	if len(sig) == 0 {
		return nil, fmt.Errorf("%w: signature is empty", ErrMalformed)
	}
	s, err := stripped(zip)
	if err != nil {
		return nil, err
	}
	if d := sha256.Sum256(s); hex.EncodeToString(d[:]) != payload.CodeDigest {
		return nil, ErrDigest
	}
	env := envelope{
		Payload: wirePayload{
			ProfileVersionARN: payload.ProfileVersionARN, JobID: payload.JobID,
			SignedAt: formatTime(payload.SignedAt), ExpiresAt: formatTime(payload.ExpiresAt),
			KeyARN: payload.KeyARN, Algorithm: payload.Algorithm, CodeDigest: payload.CodeDigest,
		},
		Signature: base64.RawURLEncoding.EncodeToString(sig),
	}
	js, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode signature: %w", err)
	}
	c := commentPrefix + base64.RawURLEncoding.EncodeToString(js)
	if len(c) > maxCommentLen {
		return nil, fmt.Errorf("codesign: signature comment of %d bytes exceeds the zip limit of %d", len(c), maxCommentLen)
	}
	out := make([]byte, 0, len(s)+len(c))
	out = append(out, s...)
	binary.LittleEndian.PutUint16(out[len(out)-2:], uint16(len(c)))
	return append(out, c...), nil
}

// Parse returns the payload and DER signature a signed zip carries. It
// returns ErrNotZip for bytes that are not a zip, ErrUnsigned for a zip whose
// comment is not a Stratus signature, and an error wrapping ErrMalformed for
// one whose signature is not sound. It verifies nothing (Check does).
func Parse(zip []byte) (Payload, []byte, error) {
	c, err := comment(zip)
	if err != nil {
		return Payload{}, nil, err
	}
	enc, ok := strings.CutPrefix(c, commentPrefix)
	if !ok {
		return Payload{}, nil, ErrUnsigned
	}
	js, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Payload{}, nil, fmt.Errorf("%w: comment is not base64url: %w", ErrMalformed, err)
	}
	var env envelope
	if err := json.Unmarshal(js, &env); err != nil {
		return Payload{}, nil, fmt.Errorf("%w: envelope is not JSON: %w", ErrMalformed, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(env.Signature)
	if err != nil || len(sig) == 0 {
		return Payload{}, nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	w := env.Payload
	p := Payload{
		ProfileVersionARN: w.ProfileVersionARN, JobID: w.JobID, KeyARN: w.KeyARN,
		Algorithm: w.Algorithm, CodeDigest: w.CodeDigest,
	}
	if p.SignedAt, err = parseTime(w.SignedAt); err != nil {
		return Payload{}, nil, fmt.Errorf("%w: signedAt: %w", ErrMalformed, err)
	}
	if p.ExpiresAt, err = parseTime(w.ExpiresAt); err != nil {
		return Payload{}, nil, fmt.Errorf("%w: expiresAt: %w", ErrMalformed, err)
	}
	if err := p.validate(); err != nil {
		return Payload{}, nil, err
	}
	return p, sig, nil
}

// parseTime accepts only the canonical form, so that the canonical bytes
// rebuilt from a parsed payload are the ones that were signed.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	if formatTime(t) != s {
		return time.Time{}, fmt.Errorf("%q is not RFC 3339 UTC in whole seconds", s)
	}
	return t.UTC(), nil
}
