package jsonshape

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text is unchanged", "abc", `"abc"`},
		{"quotes and backslashes are escaped", `a"b\c`, `"a\"b\\c"`},
		{"control characters are escaped", "a\nb\tc\x01\x7f", `"a\nb\tc\u0001\u007f"`},
		{"html characters are kept as they are", "<&>", `"<&>"`},
		{"non-ASCII text is kept as UTF-8", "ünï😀", `"ünï😀"`},
		{"invalid UTF-8 becomes the replacement character", "a\xffb", `"a\ufffdb"`},
		{"line and paragraph separators are escaped", "\u2028\u2029", `"\u2028\u2029"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendString(nil, tt.in))
			if got != tt.want {
				t.Fatalf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
		})
	}
}

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		name string
		f    float64
		bits int
		want string
	}{
		{"a whole double has no fraction", 3, 64, "3"},
		{"a fraction is kept", 0.25, 64, "0.25"},
		{"a float shape is written with float precision", float64(float32(0.1)), 32, "0.1"},
		{"large values use an exponent", 1e21, 64, "1e+21"},
		{"tiny values use an exponent", 1e-7, 64, "1e-07"},
		{"NaN is a string", math.NaN(), 64, `"NaN"`},
		{"infinity is a string", math.Inf(1), 64, `"Infinity"`},
		{"negative infinity is a string", math.Inf(-1), 64, `"-Infinity"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendFloat(nil, tt.f, tt.bits)); got != tt.want {
				t.Fatalf("AppendFloat(%v) = %s, want %s", tt.f, got, tt.want)
			}
		})
	}
}

func TestBodyMembersLeaveLocatedMembersOut(t *testing.T) {
	str := &model.Shape{Type: model.String}
	s := &model.Shape{Type: model.Structure, Members: []*model.Member{
		{Name: "Path", Shape: str, Location: "uri", LocationName: "Path"},
		{Name: "Body", Shape: str},
		{Name: "Renamed", Shape: str, LocationName: "renamed"},
	}}
	v := map[string]any{"Path": "p", "Body": "b", "Renamed": "r"}
	for _, tt := range []struct {
		name string
		ms   Members
		want string
	}{
		{"the json protocol writes every member", AllMembers, `{"Path":"p","Body":"b","renamed":"r"}`},
		{"rest-json writes only body members", BodyMembers, `{"Body":"b","renamed":"r"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(s, v, tt.ms)
			if err != nil || string(b) != tt.want {
				t.Fatalf("Encode() = %s, %v; want %s", b, err, tt.want)
			}
			back, err := Decode(s, b, tt.ms)
			if err != nil || len(back) != len(v)-int(tt.ms) {
				t.Fatalf("Decode() = %v, %v", back, err)
			}
		})
	}
}

func TestDecodeErrorsAreSerializationExceptions(t *testing.T) {
	s := &model.Shape{Type: model.Structure, Members: []*model.Member{{Name: "N", Shape: &model.Shape{Type: model.Long}}}}
	for _, body := range []string{`{"N":"1"}`, `{"N":1e30}`, `[`, `"x"`, "\xff"} {
		t.Run("it rejects "+body, func(t *testing.T) {
			_, err := Decode(s, []byte(body), AllMembers)
			if !awserr.Is(err, "SerializationException") {
				t.Fatalf("Decode(%q) = %v, want SerializationException", body, err)
			}
		})
	}
	t.Run("it accepts an integral number written with a fraction", func(t *testing.T) {
		got, err := Decode(s, []byte(`{"N":2.0E3}`), AllMembers)
		if err != nil || got["N"] != int64(2000) {
			t.Fatalf("Decode() = %v, %v", got, err)
		}
	})
}
