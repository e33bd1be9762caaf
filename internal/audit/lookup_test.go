package audit

import (
	"context"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// TestLookupRefusesWhatTheWireCannotCarry covers the domain checks that the
// router's model validation answers first on the wire.
func TestLookupRefusesWhatTheWireCannotCarry(t *testing.T) {
	env := newTrail(t, Config{})
	n := func(v int64) *int64 { return &v }
	cases := []struct {
		name string
		in   LookupInput
		want string
	}{
		{"MaxResults 0 is refused", LookupInput{Account: account, MaxResults: n(0)}, CodeInvalidMaxResults},
		{"MaxResults 51 is refused", LookupInput{Account: account, MaxResults: n(51)}, CodeInvalidMaxResults},
		{"an unknown attribute key is refused", LookupInput{Account: account, Attributes: []Attribute{{"Color", "red"}}}, CodeInvalidLookupAttributes},
		{"an empty attribute value is refused", LookupInput{Account: account, Attributes: []Attribute{{AttrEventName, ""}}}, CodeInvalidLookupAttributes},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.trail.Lookup(context.Background(), c.in)
			if !awserr.Is(err, c.want) {
				t.Errorf("got %v, want %s", err, c.want)
			}
		})
	}
}
