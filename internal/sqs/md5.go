package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
)

// MD5OfBody returns the hex MD5 of a message body, MD5OfMessageBody.
func MD5OfBody(body string) string {
	sum := md5.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// Transport types of the attribute digest, as AWS numbers them (3 and 4,
// the list types, are reserved: SQS takes no list values).
const (
	transportString = 1
	transportBinary = 2
)

// MD5OfAttributes returns the hex digest AWS reports as
// MD5OfMessageAttributes (and, over the system attributes,
// MD5OfMessageSystemAttributes), "" for no attributes. The digest covers the
// attributes in order of their names (byte order); each contributes its name,
// its data type, one byte for the transport type (1 string, 2 binary) and its
// value, every string and binary value preceded by its length as a 4-byte
// big-endian integer.
func MD5OfAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	h := md5.New()
	for _, n := range names {
		a := attrs[n]
		writeLenPrefixed(h, []byte(n))
		writeLenPrefixed(h, []byte(a.DataType))
		if isBinaryType(a.DataType) {
			h.Write([]byte{transportBinary})
			writeLenPrefixed(h, a.BinaryValue)
		} else {
			h.Write([]byte{transportString})
			writeLenPrefixed(h, []byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLenPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// isBinaryType reports whether an attribute of data type t carries a binary
// value: Binary, or Binary.<custom label>.
func isBinaryType(t string) bool {
	return t == dataTypeBinary || strings.HasPrefix(t, dataTypeBinary+".")
}
