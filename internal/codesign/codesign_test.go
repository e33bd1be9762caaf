package codesign_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/codesign"
)

const (
	versionARN = "arn:aws:signer:us-east-1:111122223333:/signing-profiles/app_signer/abcdEFGH12"
	otherARN   = "arn:aws:signer:us-east-1:111122223333:/signing-profiles/other/zyxwVUTS98"
	keyARN     = "arn:aws:kms:us-east-1:111122223333:key/11111111-1111-4111-8111-111111111111"
	key2ARN    = "arn:aws:kms:us-east-1:111122223333:key/22222222-2222-4222-8222-222222222222"
)

// makeZip returns a zip holding index.py with body and the archive comment c.
func makeZip(t testing.TB, body, c string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.Create("index.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, body); err != nil {
		t.Fatal(err)
	}
	if c != "" {
		if err := w.SetComment(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// keyring is a KMS stand-in: real P-256 keys by ARN. It signs (Signer) and
// hands out public keys (PublicKeys).
type keyring map[string]*ecdsa.PrivateKey

func newKeyring(t testing.TB, arns ...string) keyring {
	k := keyring{}
	for _, a := range arns {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k[a] = priv
	}
	return k
}

func (k keyring) SignDigest(_ context.Context, arn string, digest []byte) ([]byte, error) {
	priv, ok := k[arn]
	if !ok {
		return nil, awserr.New("NotFoundException", 400, "no key %s", arn)
	}
	return ecdsa.SignASN1(rand.Reader, priv, digest)
}

func (k keyring) PublicKey(_ context.Context, arn string) (*ecdsa.PublicKey, error) {
	priv, ok := k[arn]
	if !ok {
		return nil, awserr.New("NotFoundException", 400, "no key %s", arn)
	}
	return &priv.PublicKey, nil
}

// profiles is a ProfileLookup over a map; broken makes every lookup fail.
type profiles struct {
	m      map[string]*codesign.ProfileVersion
	broken bool
}

func (p profiles) ProfileVersion(_ context.Context, arn string) (*codesign.ProfileVersion, error) {
	if p.broken {
		return nil, errors.New("store is down")
	}
	pv, ok := p.m[arn]
	if !ok {
		return nil, awserr.New("ResourceNotFoundException", 404, "no profile version %s", arn)
	}
	return pv, nil
}

var signedAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func payload() codesign.Payload {
	return codesign.Payload{
		ProfileVersionARN: versionARN, JobID: "3f0c3c2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f",
		SignedAt: signedAt, ExpiresAt: signedAt.AddDate(0, 135, 0), KeyARN: keyARN,
	}
}

func signed(t testing.TB, keys keyring, z []byte, p codesign.Payload) []byte {
	t.Helper()
	out, _, err := codesign.Sign(context.Background(), z, p, keys)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSignedZipRoundTrip(t *testing.T) {
	keys := newKeyring(t, keyARN)
	z := makeZip(t, "def handler(e, c): return 1\n", "")
	out, p, err := codesign.Sign(context.Background(), z, payload(), keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Parse returns the payload Sign made and a signature that verifies", func(t *testing.T) {
		got, sig, err := codesign.Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if got != p {
			t.Errorf("payload:\n got %+v\nwant %+v", got, p)
		}
		if !ecdsa.VerifyASN1(&keys[keyARN].PublicKey, got.Digest(), sig) {
			t.Error("signature does not verify")
		}
		if got.Algorithm != codesign.AlgorithmECDSASHA256 {
			t.Errorf("algorithm %q", got.Algorithm)
		}
	})
	t.Run("a signed zip still reads as the same zip", func(t *testing.T) {
		r, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatal(err)
		}
		f, err := r.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(f)
		if string(body) != "def handler(e, c): return 1\n" || r.File[0].Name != "index.py" {
			t.Errorf("got %s %q", r.File[0].Name, body)
		}
	})
	t.Run("the code digest ignores the comment and equals SHA-256 of the unsigned zip", func(t *testing.T) {
		want := sha256.Sum256(z)
		for _, b := range [][]byte{z, out, makeZip(t, "def handler(e, c): return 1\n", "a note")} {
			d, err := codesign.CodeDigest(b)
			if err != nil {
				t.Fatal(err)
			}
			if d != p.CodeDigest || d != hexOf(want[:]) {
				t.Errorf("digest %s, want %s", d, p.CodeDigest)
			}
		}
	})
	t.Run("signing a signed zip again replaces the signature", func(t *testing.T) {
		p2 := payload()
		p2.JobID = "00000000-0000-4000-8000-000000000000"
		again := signed(t, keys, out, p2)
		got, _, err := codesign.Parse(again)
		if err != nil {
			t.Fatal(err)
		}
		if got.JobID != p2.JobID || len(again) > len(out)+8 {
			t.Errorf("job %s, size %d after %d", got.JobID, len(again), len(out))
		}
	})
	t.Run("Digest, a signature over it and Assemble make the same signed zip as Sign", func(t *testing.T) {
		dp, digest, err := codesign.Digest(z, payload())
		if err != nil {
			t.Fatal(err)
		}
		if dp != p || !bytes.Equal(digest, p.Digest()) {
			t.Fatalf("payload %+v, digest %x", dp, digest)
		}
		sig, err := keys.SignDigest(context.Background(), keyARN, digest)
		if err != nil {
			t.Fatal(err)
		}
		manual, err := codesign.Assemble(z, dp, sig)
		if err != nil {
			t.Fatal(err)
		}
		got, gotSig, err := codesign.Parse(manual)
		if err != nil || got != p || !bytes.Equal(gotSig, sig) {
			t.Errorf("got %+v %v", got, err)
		}
	})
	t.Run("a payload without a job id cannot be signed", func(t *testing.T) {
		bad := payload()
		bad.JobID = ""
		if _, _, err := codesign.Digest(z, bad); !errors.Is(err, codesign.ErrMalformed) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("times are kept in whole seconds of UTC", func(t *testing.T) {
		p3 := payload()
		p3.SignedAt = signedAt.Add(700 * time.Millisecond).In(time.FixedZone("x", 3600))
		_, got, err := codesign.Sign(context.Background(), z, p3, keys)
		if err != nil {
			t.Fatal(err)
		}
		if !got.SignedAt.Equal(signedAt) || got.SignedAt.Location() != time.UTC {
			t.Errorf("signedAt %v", got.SignedAt)
		}
	})
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestParseRejects(t *testing.T) {
	keys := newKeyring(t, keyARN)
	z := makeZip(t, "x", "")
	good := signed(t, keys, z, payload())
	cases := []struct {
		name string
		zip  []byte
		want error
	}{
		{"bytes that are not a zip are ErrNotZip", []byte("hello, world, this is not a zip at all"), codesign.ErrNotZip},
		{"an empty file is ErrNotZip", nil, codesign.ErrNotZip},
		{"a zip without a comment is ErrUnsigned", z, codesign.ErrUnsigned},
		{"a zip with an ordinary comment is ErrUnsigned", makeZip(t, "x", "built by make"), codesign.ErrUnsigned},
		{"a signature comment that is not base64url is ErrMalformed", makeZip(t, "x", "STRATUS-SIGNATURE-1 not base64!"), codesign.ErrMalformed},
		{"a signature comment that is not JSON is ErrMalformed", makeZip(t, "x", "STRATUS-SIGNATURE-1 bm90IGpzb24"), codesign.ErrMalformed},
		{"a signature without fields is ErrMalformed", makeZip(t, "x", "STRATUS-SIGNATURE-1 e30"), codesign.ErrMalformed},
		{"a truncated signature comment is not a zip", good[:len(good)-5], codesign.ErrNotZip},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := codesign.Parse(tc.zip); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	keys := newKeyring(t, keyARN, key2ARN)
	z := makeZip(t, "def handler(e, c): return 1\n", "")
	active := &codesign.ProfileVersion{ARN: versionARN, Status: codesign.StatusActive, KeyARN: keyARN}
	lookup := profiles{m: map[string]*codesign.ProfileVersion{versionARN: active}}
	allowed := []string{otherARN, versionARN}
	now := signedAt.Add(time.Hour)
	good := signed(t, keys, z, payload())

	revokedAt := func(from time.Time) profiles {
		pv := *active
		pv.Status, pv.RevokedFrom = codesign.StatusRevoked, from
		return profiles{m: map[string]*codesign.ProfileVersion{versionARN: &pv}}
	}
	tampered := bytes.Clone(good)
	tampered[len("PK\x03\x04")+26] ^= 1 // a byte of the first file's name
	// wrongKey names the profile's key but was signed by key2.
	wrongKey := func() []byte {
		p := payload()
		p.KeyARN = key2ARN
		out, sp, err := codesign.Sign(ctx, z, p, keys)
		if err != nil {
			t.Fatal(err)
		}
		_, sig, _ := codesign.Parse(out)
		sp.KeyARN = keyARN
		forged, err := codesign.Assemble(z, sp, sig)
		if err != nil {
			t.Fatal(err)
		}
		return forged
	}()
	// otherKey is honestly signed with key2, which is not the profile's key.
	otherKey := func() []byte {
		p := payload()
		p.KeyARN = key2ARN
		return signed(t, keys, z, p)
	}()
	unknown := func() []byte {
		p := payload()
		p.ProfileVersionARN = "arn:aws:signer:us-east-1:111122223333:/signing-profiles/gone/AAAAAAAAAA"
		return signed(t, keys, z, p)
	}()
	shortLived := func() []byte {
		p := payload()
		p.ExpiresAt = signedAt.Add(30 * time.Minute)
		return signed(t, keys, z, p)
	}()

	cases := []struct {
		name      string
		zip       []byte
		allowed   []string
		lookup    profiles
		integrity error
		expired   bool
		mismatch  bool
		revoked   bool
	}{
		{name: "a zip signed by an allowed active profile passes every check", zip: good, allowed: allowed, lookup: lookup},
		{name: "an unsigned zip fails integrity as unsigned", zip: z, allowed: allowed, lookup: lookup, integrity: codesign.ErrUnsigned},
		{name: "a changed byte of the code fails integrity on the digest", zip: tampered, allowed: allowed, lookup: lookup, integrity: codesign.ErrDigest},
		{name: "a signature by another key under the profile's key ARN fails integrity", zip: wrongKey, allowed: allowed, lookup: lookup, integrity: codesign.ErrBadSignature},
		{name: "a signature by a key that is not the profile version's fails integrity", zip: otherKey, allowed: allowed, lookup: lookup, integrity: codesign.ErrKeyMismatch},
		{name: "a profile version that does not exist fails integrity and is a mismatch", zip: unknown, allowed: allowed, lookup: lookup, integrity: codesign.ErrUnknownProfile, mismatch: true},
		{name: "a signature past its expiry is expired", zip: shortLived, allowed: allowed, lookup: lookup, expired: true},
		{name: "a profile version not among the allowed publishers is a mismatch", zip: good, allowed: []string{otherARN}, lookup: lookup, mismatch: true},
		{name: "no allowed publishers at all is a mismatch", zip: good, lookup: lookup, mismatch: true},
		{name: "a revocation effective before the signing time revokes", zip: good, allowed: allowed, lookup: revokedAt(signedAt.Add(-time.Hour)), revoked: true},
		{name: "a revocation effective at the signing time revokes", zip: good, allowed: allowed, lookup: revokedAt(signedAt), revoked: true},
		{name: "a revocation effective after the signing time does not revoke", zip: good, allowed: allowed, lookup: revokedAt(signedAt.Add(time.Second))},
		{name: "a canceled profile version still verifies what it signed", zip: good, allowed: allowed, lookup: profiles{m: map[string]*codesign.ProfileVersion{
			versionARN: {ARN: versionARN, Status: codesign.StatusCanceled, KeyARN: keyARN}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := codesign.Check(ctx, tc.zip, tc.allowed, tc.lookup, keys, now)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(r.Integrity, tc.integrity) || (tc.integrity == nil) != (r.Integrity == nil) {
				t.Errorf("integrity %v, want %v", r.Integrity, tc.integrity)
			}
			if r.Expired != tc.expired || r.Mismatch != tc.mismatch || r.Revoked != tc.revoked {
				t.Errorf("expired %v mismatch %v revoked %v, want %v %v %v", r.Expired, r.Mismatch, r.Revoked, tc.expired, tc.mismatch, tc.revoked)
			}
			if r.Unsigned() != (tc.integrity == codesign.ErrUnsigned) {
				t.Errorf("Unsigned() = %v", r.Unsigned())
			}
			wantOK := tc.integrity == nil && !tc.expired && !tc.mismatch && !tc.revoked
			if r.OK() != wantOK {
				t.Errorf("OK() = %v", r.OK())
			}
		})
	}
	t.Run("a key that KMS no longer has fails integrity", func(t *testing.T) {
		r, err := codesign.Check(ctx, good, allowed, lookup, keyring{}, now)
		if err != nil || !errors.Is(r.Integrity, codesign.ErrBadSignature) {
			t.Errorf("got %v, %v", r.Integrity, err)
		}
	})
	t.Run("a lookup that fails to look is an error, not a verdict", func(t *testing.T) {
		if _, err := codesign.Check(ctx, good, allowed, profiles{broken: true}, keys, now); err == nil {
			t.Error("no error")
		}
	})
}

func TestValidityAddTo(t *testing.T) {
	start := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		v    codesign.Validity
		want time.Time
	}{
		{"days add calendar days", codesign.Validity{Value: 10, Type: codesign.ValidityDays}, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)},
		{"months add calendar months", codesign.Validity{Value: 135, Type: codesign.ValidityMonths}, start.AddDate(0, 135, 0)},
		{"years add calendar years", codesign.Validity{Value: 2, Type: codesign.ValidityYears}, time.Date(2028, 1, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.AddTo(start); !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
