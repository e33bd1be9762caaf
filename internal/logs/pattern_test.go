package logs_test

import (
	"testing"

	"github.com/stratus-cloud/stratus/internal/logs"
)

// The JSON event of AWS's "Using filter patterns to match terms in JSON log
// events" page, which its examples are written against.
const awsJSONEvent = `{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "123.123.123.123",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "cluster.name": "c",
  "ThisFlag": true,
  "bandwidth": 80,
  "latency": 20,
  "refreshRate": 60,
  "user": {"id": 1, "email": "John.Doe@example.com"},
  "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1], [2, 3]]
}`

func TestFilterPatterns(t *testing.T) {
	tests := []struct {
		name, pattern, message string
		want                   bool
	}{
		// Text patterns.
		{"an empty pattern matches every event", "", "anything", true},
		{"a term matches an event containing it", "ERROR", "[ERROR] disk full", true},
		{"terms are case-sensitive", "ERROR", "error: disk full", false},
		{"every plain term must appear", "ERROR ARGUMENTS", "ERROR: invalid ARGUMENTS", true},
		{"a missing plain term fails the match", "ERROR ARGUMENTS", "ERROR: disk full", false},
		{"a quoted phrase matches as a whole", `"Failed to process"`, "Failed to process the request", true},
		{"a quoted phrase does not match its words apart", `"Failed to process"`, "Failed, not able to process", false},
		{"?terms match if any appears", "?ERROR ?WARN", "WARN low memory", true},
		{"?terms fail if none appears", "?ERROR ?WARN", "INFO all good", false},
		{"an excluded term fails the match", "ERROR -Exiting", "ERROR: Exiting now", false},
		{"an excluded term that is absent lets the match stand", "ERROR -Exiting", "ERROR: retrying", true},
		{"an excluded quoted phrase fails the match", `ERROR -"Exiting now"`, "ERROR: Exiting now", false},
		{"a quoted phrase may hold an escaped quote", `"say \"hi\""`, `they say "hi" there`, true},
		{"a %regex% matches a regular expression", `%ERR[0-9]+%`, "code ERR42 seen", true},
		{"a %regex% that does not match fails", `%ERR[0-9]+%`, "code ERR seen", false},

		// JSON patterns, from AWS's documentation.
		{"a string equality matches", `{ $.eventType = "UpdateTrail" }`, awsJSONEvent, true},
		{"a string equality that differs fails", `{ $.eventType = "CreateTrail" }`, awsJSONEvent, false},
		{"!= with a wildcard fails for a matching IP", `{ $.sourceIPAddress != 123.123.* }`, awsJSONEvent, false},
		{"!= with a wildcard matches another IP", `{ $.sourceIPAddress != 10.0.* }`, awsJSONEvent, true},
		{"a wildcard inside a quoted string matches", `{ $.eventType = "Update*" }`, awsJSONEvent, true},
		{"an array element is selected by index", `{ $.arrayKey[0] = "value" }`, awsJSONEvent, true},
		{"an index past the end matches nothing", `{ $.arrayKey[5] = "value" }`, awsJSONEvent, false},
		{"a member of an object in an array is selected", `{ $.objectList[1].id = 2 }`, awsJSONEvent, true},
		{"IS NULL matches a null member", `{ $.SomeObject IS NULL }`, awsJSONEvent, true},
		{"IS NULL does not match a missing member", `{ $.Nothing IS NULL }`, awsJSONEvent, false},
		{"NOT EXISTS matches a missing member", `{ $.SomeOtherObject NOT EXISTS }`, awsJSONEvent, true},
		{"NOT EXISTS does not match a null member", `{ $.SomeObject NOT EXISTS }`, awsJSONEvent, false},
		{"IS TRUE matches a true flag", `{ $.ThisFlag IS TRUE }`, awsJSONEvent, true},
		{"IS FALSE does not match a true flag", `{ $.ThisFlag IS FALSE }`, awsJSONEvent, false},
		{"> compares numbers", `{ $.bandwidth > 75 }`, awsJSONEvent, true},
		{"< compares numbers", `{ $.latency < 50 }`, awsJSONEvent, true},
		{">= fails below the bound", `{ $.latency >= 21 }`, awsJSONEvent, false},
		{"= compares numbers", `{ $.refreshRate = 60 }`, awsJSONEvent, true},
		{"!= compares numbers", `{ $.refreshRate != 60 }`, awsJSONEvent, false},
		{"&& needs both sides", `{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`, awsJSONEvent, true},
		{"&& fails when one side fails", `{ $.user.id = 2 && $.users[0].email = "John.Doe@example.com" }`, awsJSONEvent, false},
		{"|| needs either side", `{ $.user.id = 2 || $.actions[0] = "GET" }`, awsJSONEvent, true},
		{"parentheses group an || under &&", `{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "DELETE" }`, awsJSONEvent, true},
		{"a nested array is indexed twice", `{ $.coordinates[1][0] = 2 }`, awsJSONEvent, true},
		{"[*] matches any element", `{ $.users[*].email = "Jane.Doe@example.com" }`, awsJSONEvent, true},
		{"a numeric pattern does not match a missing member", `{ $.nope > 1 }`, awsJSONEvent, false},
		{"a JSON pattern does not match plain text", `{ $.eventType = "UpdateTrail" }`, "eventType UpdateTrail", false},
		{"string values are case-sensitive", `{ $.eventType = "updatetrail" }`, awsJSONEvent, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := logs.ParsePattern(tc.pattern)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.pattern, err)
			}
			if got := p.Match(tc.message); got != tc.want {
				t.Errorf("%q on %q = %v, want %v", tc.pattern, tc.message, got, tc.want)
			}
		})
	}
}

func TestBrokenFilterPatternsFailToParse(t *testing.T) {
	for _, tc := range []struct{ name, pattern string }{
		{"an unclosed brace", `{ $.a = "b"`},
		{"a missing value", `{ $.a = }`},
		{"a selector without $", `{ a = "b" }`},
		{"an ordering operator on a string", `{ $.a > "b" }`},
		{"an unknown keyword", `{ $.a IS MAYBE }`},
		{"an unterminated quote", `"abc`},
		{"a dangling ?", `ERROR ?`},
		{"an unclosed index", `{ $.a[0 = 1 }`},
		{"a space-delimited pattern, which is not supported", `[ip, user, status = 404]`},
	} {
		t.Run(tc.name+" is an error", func(t *testing.T) {
			if _, err := logs.ParsePattern(tc.pattern); err == nil {
				t.Errorf("%q parsed", tc.pattern)
			}
		})
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"", "ERROR", `?a ?b -"c d"`, `{ $.a[0].b = "x*" && ($.c > 1 || $.d IS NULL) }`, `%a+%`, `{ $.x NOT EXISTS }`} {
		f.Add(s, awsJSONEvent)
	}
	f.Fuzz(func(t *testing.T, pattern, message string) {
		p, err := logs.ParsePattern(pattern)
		if err != nil {
			return
		}
		p.Match(message)
	})
}
