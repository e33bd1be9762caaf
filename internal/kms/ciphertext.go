package kms

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
)

// A ciphertext blob, as Encrypt and GenerateDataKey return it and Decrypt
// and ReEncrypt take it, is:
//
//	offset  size  field
//	0       1     format byte, blobFormat (0xA1: Stratus KMS blob, version 1)
//	1       16    key id, the 16 bytes of the key's UUID
//	17      4     key version, big-endian uint32 (1 is the key's first material)
//	21      12    AES-GCM nonce
//	33      n+16  AES-256-GCM ciphertext of the n plaintext bytes, then the tag
//
// The GCM additional data is the 21-byte header (format, key id, version)
// followed by the encryption context encoded by encodeContext, so neither the
// key reference nor the context can be changed without failing
// authentication. The blob does not name the account or region: it decrypts
// only with the key of that id in the caller's account and region.
const (
	blobFormat    byte = 0xA1
	blobHeaderLen      = 1 + 16 + 4
	nonceLen           = 12
	tagLen             = 16
	minBlobLen         = blobHeaderLen + nonceLen + tagLen
)

// blob is a parsed ciphertext blob.
type blob struct {
	keyID   string
	version int
	header  []byte
	nonce   []byte
	sealed  []byte
}

var errBadBlob = errors.New("not a stratus kms ciphertext blob")

// parseBlob splits b into its fields; it checks the structure, not the
// authentication tag.
func parseBlob(b []byte) (blob, error) {
	if len(b) < minBlobLen || b[0] != blobFormat {
		return blob{}, errBadBlob
	}
	v := binary.BigEndian.Uint32(b[17:21])
	if v == 0 || v > 1<<30 {
		return blob{}, errBadBlob
	}
	id := formatKeyID(slices.Clone(b[1:17]))
	if !bytes.Equal(blobHeader(id, int(v)), b[:blobHeaderLen]) {
		return blob{}, errBadBlob // not a version 4 UUID
	}
	return blob{
		keyID:   id,
		version: int(v),
		header:  b[:blobHeaderLen],
		nonce:   b[blobHeaderLen : blobHeaderLen+nonceLen],
		sealed:  b[blobHeaderLen+nonceLen:],
	}, nil
}

// blobHeader returns the header of a blob of the key id and version.
func blobHeader(keyID string, version int) []byte {
	raw, _ := parseKeyID(keyID)
	h := make([]byte, 0, blobHeaderLen)
	h = append(h, blobFormat)
	h = append(h, raw...)
	return binary.BigEndian.AppendUint32(h, uint32(version))
}

// encodeContext is the canonical encoding of an encryption context: its
// pairs in key order, each key and value prefixed by its length as a
// uvarint. An empty context encodes to nothing.
func encodeContext(ec map[string]string) []byte {
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []byte
	for _, k := range keys {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		out = binary.AppendUvarint(out, uint64(len(ec[k])))
		out = append(out, ec[k]...)
	}
	return out
}

// CiphertextKeyID returns the key id a ciphertext blob names, for callers
// that must authorize Decrypt before running it; InvalidCiphertextException
// when b is not a blob.
func CiphertextKeyID(b []byte) (string, error) {
	p, err := parseBlob(b)
	if err != nil {
		return "", invalidCiphertext()
	}
	return p.keyID, nil
}
