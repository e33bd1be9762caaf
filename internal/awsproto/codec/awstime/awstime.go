// Package awstime reads and writes timestamps in the three formats AWS protocols
// use — epoch seconds, ISO 8601 and RFC 822 (HTTP date) — and picks the format of a
// member from its timestampFormat trait or the protocol's default.
//
// Parsing is lenient (any of the formats is accepted wherever a timestamp is
// expected, like the AWS front ends do); writing is exact. Precision is
// milliseconds, as in the AWS SDKs.
//
// It is not for anything but timestamps: blobs, numbers and the rest belong to the
// codecs.
package awstime

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// Formats as the models spell them in timestampFormat.
const (
	UnixTimestamp = "unixTimestamp"
	ISO8601       = "iso8601"
	RFC822        = "rfc822"
)

// minEpoch and maxEpoch bound accepted timestamps to years 1 through 9999.
const (
	minEpoch = -62135596800
	maxEpoch = 253402300799
)

// FormatOf returns the timestamp format of m: its own trait, its shape's, or def.
func FormatOf(m *model.Member, def string) string {
	if m != nil {
		if m.TimestampFormat != "" {
			return m.TimestampFormat
		}
		if m.Shape != nil && m.Shape.TimestampFormat != "" {
			return m.Shape.TimestampFormat
		}
	}
	return def
}

// Format writes t in format (one of the constants; unknown formats are ISO 8601).
func Format(t time.Time, format string) string {
	t = t.UTC()
	switch strings.ToLower(format) {
	case strings.ToLower(UnixTimestamp):
		return EpochString(t)
	case RFC822:
		return t.Format(http.TimeFormat)
	}
	if t.Nanosecond()/1e6 != 0 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	return t.Format("2006-01-02T15:04:05Z")
}

// Epoch returns t as epoch seconds with millisecond precision.
func Epoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1e3
}

// EpochString returns t as epoch seconds in decimal: whole seconds without a
// fraction, else up to three decimals ("1700000000", "1700000000.5").
func EpochString(t time.Time) string {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	s := strconv.FormatInt(sec, 10)
	if frac == 0 {
		return s
	}
	f := strings.TrimRight(strconv.FormatInt(frac+1000, 10)[1:], "0")
	return s + "." + f
}

// FromEpoch returns the time f epoch seconds denote, rounded to milliseconds.
func FromEpoch(f float64) (time.Time, error) {
	if math.IsNaN(f) || f < minEpoch || f > maxEpoch {
		return time.Time{}, errors.New("timestamp out of range")
	}
	ms := math.Round(f * 1e3)
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// layouts are the textual forms Parse accepts, most common first.
func layouts() []string {
	return []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05Z",
		"20060102T150405Z",
		http.TimeFormat,
		time.RFC1123Z,
		time.RFC1123,
		time.RFC850,
		time.ANSIC,
		"2006-01-02",
	}
}

// Parse reads a timestamp in any of the AWS formats: epoch seconds (possibly
// fractional), ISO 8601 or RFC 822.
func Parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty timestamp")
	}
	if c := s[0]; c == '-' || c == '+' || c == '.' || ('0' <= c && c <= '9') {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return FromEpoch(f)
		}
	}
	for _, l := range layouts() {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Round(time.Millisecond), nil
		}
	}
	return time.Time{}, errors.New("unrecognized timestamp format")
}
