package confighistory

import (
	"encoding/json"
	"testing"
)

// FuzzCanonicalJSONIsStableAndValid checks that every JSON text has a
// canonical form, that the form is JSON and that it is its own canonical
// form, so that comparing canonical texts compares configurations.
func FuzzCanonicalJSONIsStableAndValid(f *testing.F) {
	for _, s := range []string{`{}`, `{"b":1,"a":[1,2,{"d":null,"c":true}]}`, ` [ 1.50, 1e3, 12345678901234567890 ] `,
		`"<&>"`, `{"a":"\u00e9\ud83d\ude00"}`, `{"a":1,"a":2}`, `{`, `1 2`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := canonicalJSON(s)
		if err != nil {
			if json.Valid([]byte(s)) && s != "" {
				t.Fatalf("valid JSON %q rejected: %v", s, err)
			}
			return
		}
		if s == "" {
			if c != "" {
				t.Fatalf("empty became %q", c)
			}
			return
		}
		if !json.Valid([]byte(c)) {
			t.Fatalf("canonical form %q of %q is not JSON", c, s)
		}
		again, err := canonicalJSON(c)
		if err != nil || again != c {
			t.Fatalf("canonical form %q of %q is not stable: %q %v", c, s, again, err)
		}
	})
}
