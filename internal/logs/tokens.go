package logs

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
)

// Pagination tokens are opaque to clients. Name tokens (DescribeLogGroups,
// DescribeLogStreams) hold the last key of the previous page, base64url-
// encoded. Event tokens hold an event position (ts, seq) as 38 digits, after
// a direction for GetLogEvents ("f/" forward, "b/" backward) as AWS's do.

func encodeNameToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeNameToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", invalidToken()
	}
	return string(b), nil
}

// position is an event's place in its group's order.
type position struct{ ts, seq int64 }

// Positions before and after every event.
var (
	head = position{0, 0}
	tail = position{math.MaxInt64, 0}
)

func (p position) digits() string { return fmt.Sprintf("%019d%019d", p.ts, p.seq) }

func parseDigits(s string) (position, error) {
	if len(s) != 38 {
		return position{}, invalidToken()
	}
	ts, err1 := strconv.ParseInt(s[:19], 10, 64)
	seq, err2 := strconv.ParseInt(s[19:], 10, 64)
	if err1 != nil || err2 != nil || ts < 0 || seq < 0 {
		return position{}, invalidToken()
	}
	return position{ts, seq}, nil
}

// direction of a GetLogEvents token.
type direction byte

const (
	forward  direction = 'f'
	backward direction = 'b'
)

func streamToken(d direction, p position) string { return string(d) + "/" + p.digits() }

func parseStreamToken(tok string) (direction, position, error) {
	if len(tok) < 2 || tok[1] != '/' || (tok[0] != 'f' && tok[0] != 'b') {
		return 0, position{}, invalidToken()
	}
	p, err := parseDigits(tok[2:])
	return direction(tok[0]), p, err
}

// EventID is the eventId FilterLogEvents reports: unique within a group.
func eventID(p position) string { return p.digits() }
