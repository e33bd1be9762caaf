package awstime

import (
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

func TestFormat(t *testing.T) {
	whole := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	milli := whole.Add(120 * time.Millisecond)
	tests := []struct {
		name   string
		t      time.Time
		format string
		want   string
	}{
		{"epoch seconds of a whole second have no fraction", whole, UnixTimestamp, "1704164645"},
		{"epoch seconds keep milliseconds", milli, UnixTimestamp, "1704164645.12"},
		{"epoch seconds before 1970 keep milliseconds", time.UnixMilli(-1500), UnixTimestamp, "-2.5"},
		{"iso8601 of a whole second has no fraction", whole, ISO8601, "2024-01-02T03:04:05Z"},
		{"iso8601 keeps milliseconds", milli, ISO8601, "2024-01-02T03:04:05.120Z"},
		{"rfc822 is the http date", milli, RFC822, "Tue, 02 Jan 2024 03:04:05 GMT"},
		{"other zones are written in UTC", whole.In(time.FixedZone("x", 3600)), ISO8601, "2024-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.t, tt.format); got != tt.want {
				t.Errorf("Format() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	want := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range []string{
		"1704164645", "1704164645.0", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z",
		"2024-01-02T04:04:05+01:00", "2024-01-02T03:04:05", "Tue, 02 Jan 2024 03:04:05 GMT", " 1704164645 ",
	} {
		t.Run("it reads "+s, func(t *testing.T) {
			got, err := Parse(s)
			if err != nil || !got.Equal(want) {
				t.Fatalf("Parse(%q) = %v, %v; want %v", s, got, err, want)
			}
		})
	}
	t.Run("it keeps milliseconds of epoch seconds", func(t *testing.T) {
		got, err := Parse("1704164645.123")
		if err != nil || got.UnixMilli() != 1704164645123 {
			t.Fatalf("Parse() = %v, %v", got, err)
		}
	})
	for _, s := range []string{"", "yesterday", "NaN", "1e300", "-1e300", "2024-13-45T00:00:00Z"} {
		t.Run("it rejects "+s, func(t *testing.T) {
			if got, err := Parse(s); err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", s, got)
			}
		})
	}
}

func TestFormatOfPrefersMemberThenShapeThenDefault(t *testing.T) {
	sh := &model.Shape{Type: model.Timestamp}
	if got := FormatOf(&model.Member{Shape: sh}, RFC822); got != RFC822 {
		t.Errorf("default: got %q", got)
	}
	sh.TimestampFormat = ISO8601
	if got := FormatOf(&model.Member{Shape: sh}, RFC822); got != ISO8601 {
		t.Errorf("shape: got %q", got)
	}
	if got := FormatOf(&model.Member{Shape: sh, TimestampFormat: UnixTimestamp}, RFC822); got != UnixTimestamp {
		t.Errorf("member: got %q", got)
	}
}
