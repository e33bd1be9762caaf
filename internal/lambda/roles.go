package lambda

import (
	"encoding/json"
	"slices"
)

// RoleNotAssumable is the error CheckExecutionRole implementations return for
// a role that does not exist or does not trust Lambda, with AWS's message.
func RoleNotAssumable() error {
	return invalidParameter("The role defined for the function cannot be assumed by Lambda.")
}

// TrustsLambda reports whether a role trust policy has an Allow statement
// letting the service principal lambda.amazonaws.com call sts:AssumeRole. It
// is for Roles implementations; it does not evaluate conditions or Deny
// statements beyond refusing a statement that has any.
func TrustsLambda(trustPolicy string) bool {
	var doc struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(trustPolicy), &doc) != nil {
		return false
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(doc.Statement, &one) != nil {
			return false
		}
		stmts = append(stmts, one)
	}
	for _, st := range stmts {
		var effect string
		json.Unmarshal(st["Effect"], &effect)
		if effect != "Allow" || st["Condition"] != nil {
			continue
		}
		var principal struct{ Service json.RawMessage }
		if json.Unmarshal(st["Principal"], &principal) != nil {
			continue
		}
		if oneOrMany(principal.Service, "lambda.amazonaws.com") &&
			(oneOrMany(st["Action"], "sts:AssumeRole") || oneOrMany(st["Action"], "sts:*") || oneOrMany(st["Action"], "*")) {
			return true
		}
	}
	return false
}

func oneOrMany(raw json.RawMessage, want string) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == want
	}
	var list []string
	return json.Unmarshal(raw, &list) == nil && slices.Contains(list, want)
}
