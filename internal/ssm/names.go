package ssm

import (
	"strconv"
	"strings"
)

// Limits from the Parameter Store documentation.
const (
	maxARNLength      = 1011 // a name counts with the ARN before it
	maxLevels         = 15
	maxStandardValue  = 4096
	maxAdvancedValue  = 8192
	maxVersions       = 100
	maxLabelsPerVer   = 10
	maxLabelLength    = 100
	maxTags           = 50
	maxPatternLength  = 1024
	maxDescriptionLen = 1024
)

const badNameMessage = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`

// ARN returns the ARN of the parameter name in an account and region:
// arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, where a leading "/" of name is
// not doubled.
func ARN(region, account, name string) string {
	return "arn:aws:ssm:" + region + ":" + account + ":parameter/" + strings.TrimPrefix(name, "/")
}

// RefARN returns the ARN a reference to a parameter names: ref is a name or
// a parameter ARN, either maybe followed by a ":version" or ":label"
// selector, which is dropped. It does not check that the parameter exists
// or that ref is well formed, so that authorization decides before
// ParameterNotFound or ValidationException.
func RefARN(region, account, ref string) string {
	if rest, ok := strings.CutPrefix(ref, "arn:"); ok {
		head, tail, found := strings.Cut(rest, ":parameter/")
		if !found {
			return ref
		}
		tail, _, _ = strings.Cut(tail, ":")
		return "arn:" + head + ":parameter/" + tail
	}
	name, _, _ := strings.Cut(ref, ":")
	return ARN(region, account, name)
}

// PathARN returns the ARN GetParametersByPath is authorized against for
// path: the ARN a parameter named path would have.
func PathARN(region, account, path string) string {
	return ARN(region, account, path)
}

func validNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-'
}

// checkName returns AWS's error for a name PutParameter must refuse.
func checkName(region, account, name string) error {
	if name == "" {
		return validation("Parameter name must not be empty.")
	}
	if strings.Contains(name, "/") && !strings.HasPrefix(name, "/") {
		return validation("Parameter name must be a fully qualified name.")
	}
	segments := strings.Split(strings.TrimPrefix(name, "/"), "/")
	for _, seg := range segments {
		if seg == "" {
			return validation(badNameMessage)
		}
		for _, r := range seg {
			if !validNameRune(r) {
				return validation(badNameMessage)
			}
		}
	}
	lower := strings.ToLower(segments[0])
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return validation(badNameMessage)
	}
	if len(segments) > maxLevels {
		return newErr(CodeHierarchyLevelLimit, "Parameter path: %d levels in the hierarchy exceed the maximum of %d.", len(segments), maxLevels)
	}
	if n := len(ARN(region, account, name)); n > maxARNLength {
		return validation("Parameter name %s is too long: with its ARN it has %d characters, more than the maximum of %d.", name, n, maxARNLength)
	}
	return nil
}

// checkPath returns the path GetParametersByPath and the Path filter work on
// (without a trailing "/", "" for the root), or AWS's error.
func checkPath(path string) (string, error) {
	bad := validation(`The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`)
	if !strings.HasPrefix(path, "/") {
		return "", bad
	}
	p := strings.TrimSuffix(path, "/")
	if p == "" {
		return "", nil
	}
	segments := strings.Split(p[1:], "/")
	for _, seg := range segments {
		if seg == "" {
			return "", bad
		}
		for _, r := range seg {
			if !validNameRune(r) {
				return "", bad
			}
		}
	}
	if len(segments) > maxLevels {
		return "", newErr(CodeHierarchyLevelLimit, "Parameter path: %d levels in the hierarchy exceed the maximum of %d.", len(segments), maxLevels)
	}
	return p, nil
}

// underPath reports whether name lies below path (as checkPath returned
// it): directly, or at any depth when recursive. A name without a leading
// "/" lies directly below the root.
func underPath(name, path string, recursive bool) bool {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	rest, ok := strings.CutPrefix(name, path+"/")
	return ok && rest != "" && (recursive || !strings.Contains(rest, "/"))
}

// ref is a parsed reference to a parameter: its name and, when it had a
// selector, either a version or a label.
type ref struct {
	name string
	arn  string // set when the reference was an ARN

	selector string // ":3" or ":label", as AWS answers it; "" for none
	version  int64
	label    string
}

// parseRef parses a name or ARN of the account and region with an optional
// selector. A reference that names no parameter of theirs is
// ParameterNotFound; a malformed selector is ValidationException.
func parseRef(region, account, s string) (ref, error) {
	var r ref
	body := s
	if rest, ok := strings.CutPrefix(s, "arn:"); ok {
		prefix := "aws:ssm:" + region + ":" + account + ":parameter/"
		tail, ok := strings.CutPrefix(rest, prefix)
		if !ok || tail == "" {
			return r, notFound(s)
		}
		name, sel, hasSel := strings.Cut(tail, ":")
		r.arn = "arn:" + prefix + name
		if strings.Contains(name, "/") {
			name = "/" + name
		}
		body = name
		if hasSel {
			body += ":" + sel
		}
	}
	name, sel, hasSel := strings.Cut(body, ":")
	r.name = name
	if r.name == "" {
		return r, validation("Parameter name must not be empty.")
	}
	if !hasSel {
		return r, nil
	}
	if sel == "" || strings.Contains(sel, ":") {
		return r, validation("Invalid parameter selector %q: use name:version or name:label.", s)
	}
	r.selector = ":" + sel
	if n, err := strconv.ParseInt(sel, 10, 64); err == nil {
		if n < 1 {
			return r, validation("Invalid parameter version %q.", sel)
		}
		r.version = n
		return r, nil
	}
	r.label = sel
	return r, nil
}

// validLabel reports whether AWS accepts label as a version label.
func validLabel(label string) bool {
	if label == "" || len(label) > maxLabelLength || label[0] >= '0' && label[0] <= '9' {
		return false
	}
	lower := strings.ToLower(label)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return false
	}
	for _, r := range label {
		if !validNameRune(r) {
			return false
		}
	}
	return true
}
