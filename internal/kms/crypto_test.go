package kms

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"
)

func TestEncryptDecrypt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k, other := f.key(t), f.key(t)
	ec := map[string]string{"purpose": "test", "tenant": "a"}
	blob, arn, err := f.svc.Encrypt(ctx, acct, region, k.ID, []byte("secret"), ec)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Encrypt answers with the key ARN", func(t *testing.T) {
		if arn != k.ARN() {
			t.Errorf("got %s", arn)
		}
	})
	t.Run("the blob names its key and version", func(t *testing.T) {
		p, err := parseBlob(blob)
		if err != nil || p.keyID != k.ID || p.version != 1 || blob[0] != blobFormat {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("the blob does not contain the plaintext", func(t *testing.T) {
		if bytes.Contains(blob, []byte("secret")) {
			t.Error("plaintext in blob")
		}
	})
	t.Run("Decrypt without a key id finds the key from the blob", func(t *testing.T) {
		got, arn, err := f.svc.Decrypt(ctx, acct, region, "", blob, ec)
		if err != nil || string(got) != "secret" || arn != k.ARN() {
			t.Errorf("got %q %s %v", got, arn, err)
		}
	})
	t.Run("Decrypt with the key's ARN works", func(t *testing.T) {
		if _, _, err := f.svc.Decrypt(ctx, acct, region, k.ARN(), blob, ec); err != nil {
			t.Error(err)
		}
	})
	t.Run("Decrypt naming another key is IncorrectKeyException", func(t *testing.T) {
		_, _, err := f.svc.Decrypt(ctx, acct, region, other.ID, blob, ec)
		wantCode(t, err, CodeIncorrectKey)
	})
	badContexts := map[string]map[string]string{
		"no context":              nil,
		"a changed value":         {"purpose": "test", "tenant": "b"},
		"an extra pair":           {"purpose": "test", "tenant": "a", "x": "y"},
		"a missing pair":          {"purpose": "test"},
		"keys and values swapped": {"test": "purpose", "a": "tenant"},
	}
	for name, bad := range badContexts {
		t.Run("Decrypt with "+name+" is InvalidCiphertextException", func(t *testing.T) {
			_, _, err := f.svc.Decrypt(ctx, acct, region, "", blob, bad)
			wantCode(t, err, CodeInvalidCiphertext)
		})
	}
	t.Run("a blob with any byte flipped is InvalidCiphertextException", func(t *testing.T) {
		for i := range blob {
			b := bytes.Clone(blob)
			b[i] ^= 1
			if _, _, err := f.svc.Decrypt(ctx, acct, region, "", b, ec); awsCode(err) != CodeInvalidCiphertext {
				t.Fatalf("byte %d: got %v", i, err)
			}
		}
	})
	t.Run("a blob is not decryptable in another account", func(t *testing.T) {
		_, _, err := f.svc.Decrypt(ctx, "999999999999", region, "", blob, ec)
		wantCode(t, err, CodeInvalidCiphertext)
	})
	t.Run("a disabled key does not decrypt", func(t *testing.T) {
		if err := f.svc.DisableKey(ctx, acct, region, k.ID); err != nil {
			t.Fatal(err)
		}
		defer f.svc.EnableKey(ctx, acct, region, k.ID)
		_, _, err := f.svc.Decrypt(ctx, acct, region, "", blob, ec)
		wantCode(t, err, CodeDisabled)
	})
}

func TestEncryptPlaintextLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	t.Run("4096 bytes encrypt", func(t *testing.T) {
		if _, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, make([]byte, 4096), nil); err != nil {
			t.Error(err)
		}
	})
	t.Run("4097 bytes are a ValidationException", func(t *testing.T) {
		_, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, make([]byte, 4097), nil)
		wantCode(t, err, CodeValidation)
	})
	t.Run("an empty plaintext is a ValidationException", func(t *testing.T) {
		_, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, nil, nil)
		wantCode(t, err, CodeValidation)
	})
}

func TestGenerateDataKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	sizes := []struct {
		spec string
		n    int
		want int
	}{{DataKeyAES256, 0, 32}, {DataKeyAES128, 0, 16}, {"", 64, 64}}
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("a data key of spec %q and %d bytes has %d bytes and decrypts to itself", sz.spec, sz.n, sz.want), func(t *testing.T) {
			n, err := DataKeyBytes(sz.spec, sz.n)
			if err != nil || n != sz.want {
				t.Fatalf("DataKeyBytes = %d, %v", n, err)
			}
			plain, blob, _, err := f.svc.GenerateDataKey(ctx, acct, region, k.ID, n, map[string]string{"a": "b"})
			if err != nil || len(plain) != sz.want {
				t.Fatalf("got %d bytes, %v", len(plain), err)
			}
			got, _, err := f.svc.Decrypt(ctx, acct, region, "", blob, map[string]string{"a": "b"})
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("decrypt: %v", err)
			}
		})
	}
	t.Run("both a key spec and a byte count is a ValidationException", func(t *testing.T) {
		_, err := DataKeyBytes(DataKeyAES256, 32)
		wantCode(t, err, CodeValidation)
	})
	t.Run("neither is a ValidationException", func(t *testing.T) {
		_, err := DataKeyBytes("", 0)
		wantCode(t, err, CodeValidation)
	})
}

func TestReEncrypt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src, dst := f.key(t), f.key(t)
	blob, _, err := f.svc.Encrypt(ctx, acct, region, src.ID, []byte("moving"), map[string]string{"s": "1"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.ReEncrypt(ctx, acct, region, blob, "", map[string]string{"s": "1"}, dst.ID, map[string]string{"d": "2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the new blob decrypts under the destination key and context", func(t *testing.T) {
		got, arn, err := f.svc.Decrypt(ctx, acct, region, "", r.Ciphertext, map[string]string{"d": "2"})
		if err != nil || string(got) != "moving" || arn != dst.ARN() || r.SourceKeyARN != src.ARN() {
			t.Errorf("got %q %s %v", got, arn, err)
		}
	})
	t.Run("a wrong source context is InvalidCiphertextException", func(t *testing.T) {
		_, err := f.svc.ReEncrypt(ctx, acct, region, blob, "", nil, dst.ID, nil)
		wantCode(t, err, CodeInvalidCiphertext)
	})
}

func TestParseBlobRejects(t *testing.T) {
	f := newFixture(t)
	k := f.key(t)
	good, _, err := f.svc.Encrypt(context.Background(), acct, region, k.ID, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	zeroVersion := bytes.Clone(good)
	binary.BigEndian.PutUint32(zeroVersion[17:21], 0)
	wrongFormat := bytes.Clone(good)
	wrongFormat[0] = 0x01
	cases := map[string][]byte{
		"an empty blob": nil,
		"a blob shorter than header, nonce and tag": good[:minBlobLen-1],
		"a blob of another format":                  wrongFormat,
		"a blob of key version 0":                   zeroVersion,
	}
	for name, b := range cases {
		t.Run("it rejects "+name, func(t *testing.T) {
			if _, err := parseBlob(b); err == nil {
				t.Error("parsed")
			}
			if _, err := CiphertextKeyID(b); awsCode(err) != CodeInvalidCiphertext {
				t.Errorf("CiphertextKeyID: %v", err)
			}
		})
	}
}

func FuzzParseBlob(f *testing.F) {
	fx := newFixture(f)
	k := fx.key(f)
	good, _, err := fx.svc.Encrypt(context.Background(), acct, region, k.ID, []byte("seed"), map[string]string{"a": "b"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{blobFormat})
	f.Add(make([]byte, minBlobLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseBlob(b)
		if err != nil {
			return
		}
		if len(b) < minBlobLen || p.version < 1 || len(p.nonce) != nonceLen || len(p.sealed) < tagLen {
			t.Fatalf("accepted malformed blob %x", b)
		}
		if !bytes.Equal(blobHeader(p.keyID, p.version), b[:blobHeaderLen]) {
			t.Fatalf("header of %x does not round-trip", b)
		}
		// Nothing parsed from arbitrary bytes may decrypt under a real key
		// unless it is the sealed blob itself.
		if !bytes.Equal(b, good) {
			if _, _, err := fx.svc.Decrypt(context.Background(), acct, region, "", b, map[string]string{"a": "b"}); err == nil {
				t.Fatalf("forged blob %x decrypted", b)
			}
		}
	})
}
