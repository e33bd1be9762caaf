package codesign_test

import (
	"bytes"
	"testing"

	"github.com/stratus-cloud/stratus/internal/codesign"
)

// FuzzParse feeds Parse arbitrary bytes: it must not panic, and whatever it
// accepts must survive Assemble and Parse again unchanged.
func FuzzParse(f *testing.F) {
	keys := newKeyring(f, keyARN)
	z := makeZip(f, "x", "")
	f.Add(signed(f, keys, z, payload()))
	f.Add(z)
	f.Add(makeZip(f, "y", "STRATUS-SIGNATURE-1 e30"))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, sig, err := codesign.Parse(data)
		if err != nil {
			return
		}
		again, err := codesign.Assemble(data, p, sig)
		if err != nil {
			return // a payload whose digest does not match these bytes
		}
		p2, sig2, err := codesign.Parse(again)
		if err != nil {
			t.Fatalf("reassembled zip does not parse: %v", err)
		}
		if p2 != p || !bytes.Equal(sig, sig2) {
			t.Fatalf("round trip changed the signature: %+v / %+v", p, p2)
		}
	})
}
