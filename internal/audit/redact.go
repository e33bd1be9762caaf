package audit

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// Hidden replaces every sensitive value in a record, as CloudTrail prints it.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// Redact returns v, a value of shape sh in the generic value form of
// operation op of service svc (model name), as a record shows it: structure
// members renamed lowerCamel as CloudTrail writes them, timestamps in RFC
// 3339, and every sensitive value replaced by [Hidden]. Sensitive is:
//
//   - a member whose shape the model marks sensitive;
//   - every blob (function code, plaintexts, ciphertexts, payloads);
//   - by name, as a safety net for models that do not mark them: Password
//     (and ...Password), Plaintext, PrivateKey, SessionToken,
//     SecretAccessKey, SecretString, SecretBinary and other Secret* members
//     that are not identifiers (SecretId, SecretArn, SecretName stay);
//   - the values (not the names) of Lambda's Environment.Variables;
//   - Value of SSM PutParameter;
//   - message contents of data events: SQS MessageBody and Body, SNS
//     Message, CloudWatch Logs message (ReceiveMessage and FilterLogEvents
//     are not read-only by name, so their responses are recorded).
//
// Map keys are kept as they are. v is not modified.
func Redact(svc, op string, sh *model.Shape, v any) any {
	w := walker{topValue: svc == "ssm" && op == "PutParameter", names: serviceSensitiveNames[svc]}
	return w.value(v, sh, "", "", true)
}

type walker struct {
	// topValue hides the top-level member Value (ssm PutParameter).
	topValue bool
	// names are the service's own sensitive member names, lowercased.
	names []string
}

// serviceSensitiveNames are, per service, member names that hold message
// contents, lowercased.
var serviceSensitiveNames = map[string][]string{
	"sqs":  {"messagebody", "body"},
	"sns":  {"message"},
	"logs": {"message"},
}

// value redacts v of shape sh (nil when unknown) held in the member called
// name of a structure held in the member called parent.
func (w walker) value(v any, sh *model.Shape, name, parent string, top bool) any {
	if v == nil {
		return nil
	}
	if sensitiveName(name) || slices.Contains(w.names, strings.ToLower(name)) || (sh != nil && (sh.Sensitive || sh.Type == model.Blob)) {
		return Hidden
	}
	switch v := v.(type) {
	case []byte:
		return Hidden
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case []any:
		var elem *model.Shape
		if sh != nil && sh.Member != nil {
			elem = sh.Member.Shape
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = w.value(e, elem, name, parent, false)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		if sh != nil && sh.Type == model.Map {
			hideValues := strings.EqualFold(name, "Variables") && strings.EqualFold(parent, "Environment")
			var vs *model.Shape
			if sh.Value != nil {
				vs = sh.Value.Shape
			}
			for k, e := range v {
				if hideValues {
					out[k] = Hidden
					continue
				}
				out[k] = w.value(e, vs, "", name, false)
			}
			return out
		}
		isStruct := sh != nil && sh.Type == model.Structure
		for k, e := range v {
			var ms *model.Shape
			key := k
			if isStruct {
				if m := sh.MemberNamed(k); m != nil {
					ms = m.Shape
				}
				key = lowerFirst(k)
			}
			if top && w.topValue && k == "Value" {
				out[key] = Hidden
				continue
			}
			if strings.EqualFold(k, "Variables") && strings.EqualFold(name, "Environment") {
				if vars, ok := e.(map[string]any); ok {
					hidden := make(map[string]any, len(vars))
					for vk := range vars {
						hidden[vk] = Hidden
					}
					out[key] = hidden
					continue
				}
			}
			out[key] = w.value(e, ms, k, name, false)
		}
		return out
	}
	return v
}

// sensitiveNames are member names hidden whatever their shape, lowercased.
var sensitiveNames = []string{
	"password", "plaintext", "privatekey", "sessiontoken", "secretaccesskey",
	"secretstring", "secretbinary", "zipfile", "payload", "ciphertextblob",
}

// secretIdentifiers are the Secret* names that identify rather than hold a
// secret, lowercased.
var secretIdentifiers = []string{"id", "arn", "name", "ids", "arns", "names", "list", "versionstostages", "type"}

// sensitiveName reports whether a member called name holds a secret.
func sensitiveName(name string) bool {
	if name == "" {
		return false
	}
	n := strings.ToLower(name)
	if slices.Contains(sensitiveNames, n) || strings.HasSuffix(n, "password") {
		return true
	}
	if rest, ok := strings.CutPrefix(n, "secret"); ok {
		return !slices.Contains(secretIdentifiers, rest) && !strings.HasPrefix(rest, "s")
	}
	return false
}

// lowerFirst lowers the first letter, as CloudTrail names request members.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
