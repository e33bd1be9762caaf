package sns

import (
	"strings"
	"testing"
)

func str(v string) MessageAttribute { return MessageAttribute{DataType: "String", StringValue: v} }
func num(v string) MessageAttribute { return MessageAttribute{DataType: "Number", StringValue: v} }
func arr(v string) MessageAttribute {
	return MessageAttribute{DataType: "String.Array", StringValue: v}
}

// The cases follow the examples of AWS's "Amazon SNS message filtering"
// pages (string, numeric and key matching, AND/OR logic).
func TestFilterPolicyOnMessageAttributes(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		attrs  map[string]MessageAttribute
		want   bool
	}{
		{"an exact string matches one of the listed values", `{"customer_interests":["rugby","tennis"]}`,
			map[string]MessageAttribute{"customer_interests": str("rugby")}, true},
		{"an exact string does not match another value", `{"customer_interests":["rugby","tennis"]}`,
			map[string]MessageAttribute{"customer_interests": str("baseball")}, false},
		{"a String.Array matches when one element is listed", `{"customer_interests":["rugby","tennis"]}`,
			map[string]MessageAttribute{"customer_interests": arr(`["rugby","baseball"]`)}, true},
		{"a String.Array without a listed element does not match", `{"customer_interests":["rugby"]}`,
			map[string]MessageAttribute{"customer_interests": arr(`["baseball"]`)}, false},
		{"string matching is case sensitive", `{"color":["red"]}`, map[string]MessageAttribute{"color": str("Red")}, false},
		{"equals-ignore-case ignores case", `{"color":[{"equals-ignore-case":"RED"}]}`, map[string]MessageAttribute{"color": str("rEd")}, true},
		{"prefix matches the start", `{"customer_interests":[{"prefix":"bas"}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, true},
		{"prefix does not match the middle", `{"customer_interests":[{"prefix":"ball"}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, false},
		{"suffix matches the end", `{"customer_interests":[{"suffix":"ball"}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, true},
		{"anything-but a value matches another value", `{"customer_interests":[{"anything-but":["rugby","tennis"]}]}`,
			map[string]MessageAttribute{"customer_interests": str("baseball")}, true},
		{"anything-but a value does not match that value", `{"customer_interests":[{"anything-but":"rugby"}]}`,
			map[string]MessageAttribute{"customer_interests": str("rugby")}, false},
		{"anything-but matches an array with one value not excluded", `{"customer_interests":[{"anything-but":["rugby","tennis"]}]}`,
			map[string]MessageAttribute{"customer_interests": arr(`["rugby","baseball"]`)}, true},
		{"anything-but needs the attribute", `{"customer_interests":[{"anything-but":["rugby"]}]}`,
			map[string]MessageAttribute{}, false},
		{"anything-but a prefix excludes values with it", `{"event":[{"anything-but":{"prefix":"order-"}}]}`,
			map[string]MessageAttribute{"event": str("order-cancelled")}, false},
		{"anything-but a prefix passes other values", `{"event":[{"anything-but":{"prefix":"order-"}}]}`,
			map[string]MessageAttribute{"event": str("data-entry")}, true},
		{"anything-but a suffix excludes values with it", `{"event":[{"anything-but":{"suffix":"-cancelled"}}]}`,
			map[string]MessageAttribute{"event": str("order-cancelled")}, false},
		{"a number matches an equal Number", `{"price_usd":[{"numeric":["=",301.5]}]}`, map[string]MessageAttribute{"price_usd": num("3.015e2")}, true},
		{"a plain number in the policy matches numerically", `{"price_usd":[301.5]}`, map[string]MessageAttribute{"price_usd": num("301.50")}, true},
		{"a range includes its inclusive bound", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]MessageAttribute{"price_usd": num("150")}, true},
		{"a range excludes its exclusive bound", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]MessageAttribute{"price_usd": num("0")}, false},
		{"a less-than range matches negatives", `{"price_usd":[{"numeric":["<",0]}]}`, map[string]MessageAttribute{"price_usd": num("-1")}, true},
		{"numeric anything-but excludes listed numbers", `{"price":[{"anything-but":[100,500]}]}`, map[string]MessageAttribute{"price": num("100")}, false},
		{"numeric anything-but passes other numbers", `{"price":[{"anything-but":[100,500]}]}`, map[string]MessageAttribute{"price": num("100.1")}, true},
		{"a numeric condition never matches a String attribute", `{"price":[{"numeric":[">",1]}]}`, map[string]MessageAttribute{"price": str("5")}, false},
		{"exists true needs the attribute", `{"store":[{"exists":true}]}`, map[string]MessageAttribute{"store": str("example_corp")}, true},
		{"exists true fails without it", `{"store":[{"exists":true}]}`, map[string]MessageAttribute{"other": str("x")}, false},
		{"exists false matches without it", `{"store":[{"exists":false}]}`, map[string]MessageAttribute{"other": str("x")}, true},
		{"exists false fails with it", `{"store":[{"exists":false}]}`, map[string]MessageAttribute{"store": str("x")}, false},
		{"binary attributes are never compared", `{"blob":[{"exists":true}]}`,
			map[string]MessageAttribute{"blob": {DataType: "Binary", BinaryValue: []byte{1}}}, false},
		{"cidr matches an address in the block", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]MessageAttribute{"source_ip": str("10.0.0.255")}, true},
		{"cidr does not match an address outside", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]MessageAttribute{"source_ip": str("10.0.1.1")}, false},
		{"cidr works for IPv6", `{"source_ip":[{"cidr":"2001:db8::/32"}]}`, map[string]MessageAttribute{"source_ip": str("2001:db8::1")}, true},
		{"every key must match (AND)", `{"store":["example_corp"],"event":["order_placed"]}`,
			map[string]MessageAttribute{"store": str("example_corp"), "event": str("order_cancelled")}, false},
		{"keys not in the policy are ignored", `{"store":["example_corp"]}`,
			map[string]MessageAttribute{"store": str("example_corp"), "event": str("anything")}, true},
		{"$or matches when one alternative does", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
			map[string]MessageAttribute{"source": str("aws.cloudwatch"), "namespace": str("AWS/EC2")}, true},
		{"$or fails when no alternative does", `{"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
			map[string]MessageAttribute{"namespace": str("AWS/ES")}, false},
		{"a Number with a custom label is a Number", `{"n":[{"numeric":[">=",1]}]}`,
			map[string]MessageAttribute{"n": {DataType: "Number.float", StringValue: "1.5"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseFilterPolicy(tc.policy, ScopeAttributes)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := p.matchAttributes(tc.attrs); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterPolicyOnMessageBodies(t *testing.T) {
	tests := []struct {
		name, policy, body string
		want               bool
	}{
		{"a nested key matches the nested property", `{"store":{"city":["Seattle"]}}`, `{"store":{"city":"Seattle","zip":"98101"}}`, true},
		{"a nested key fails on another value", `{"store":{"city":["Seattle"]}}`, `{"store":{"city":"Austin"}}`, false},
		{"an array of values matches one element", `{"customer_interests":["rugby"]}`, `{"customer_interests":["soccer","rugby"]}`, true},
		{"an array of objects matches one of them", `{"items":{"sku":[{"prefix":"A-"}]}}`, `{"items":[{"sku":"B-1"},{"sku":"A-7"}]}`, true},
		{"numbers compare numerically", `{"price_usd":[{"numeric":[">=",100]}]}`, `{"price_usd":3.015e2}`, true},
		{"booleans match exactly", `{"paid":[true]}`, `{"paid":true}`, true},
		{"null matches null", `{"coupon":[null]}`, `{"coupon":null}`, true},
		{"exists false matches a missing nested object", `{"store":{"city":[{"exists":false}]}}`, `{"other":1}`, true},
		{"a body that is not JSON matches nothing", `{"a":[{"exists":false}]}`, `plain text`, false},
		{"$or in a body policy", `{"$or":[{"a":["x"]},{"b":{"c":[1]}}]}`, `{"b":{"c":1}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseFilterPolicy(tc.policy, ScopeBody)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := p.matchBody(tc.body); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterPoliciesAWSRefuses(t *testing.T) {
	tests := []struct {
		name, policy, scope, wantIn string
	}{
		{"a policy that is not JSON", `{"a":`, ScopeAttributes, "failed to parse JSON"},
		{"a leaf that is not an array", `{"a":"x"}`, ScopeAttributes, "must be an object or an array"},
		{"an empty array", `{"a":[]}`, ScopeAttributes, "Empty arrays"},
		{"a nested policy on attributes", `{"a":{"b":["x"]}}`, ScopeAttributes, "does not support nested"},
		{"more than five keys", `{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`, ScopeAttributes, "more than 5 keys"},
		{"more than 150 combinations", `{"a":[` + strings.Repeat(`"x",`, 12) + `"x"],"b":[` + strings.Repeat(`"y",`, 12) + `"y"]}`, ScopeAttributes, "too complex"},
		{"an unknown operator", `{"a":[{"wildcard":"x*"}]}`, ScopeAttributes, "Unrecognized match type"},
		{"a numeric range upside down", `{"a":[{"numeric":[">",10,"<",5]}]}`, ScopeAttributes, "Bottom must be less than top"},
		{"a number out of range", `{"a":[{"numeric":[">",1e10]}]}`, ScopeAttributes, "between -1.0E9 and 1.0E9"},
		{"exists that is not a boolean", `{"a":[{"exists":"yes"}]}`, ScopeAttributes, "exists match pattern"},
		{"a malformed cidr", `{"a":[{"cidr":"10.0.0/33"}]}`, ScopeAttributes, "CIDR"},
		{"an $or with one alternative", `{"$or":[{"a":["x"]}]}`, ScopeAttributes, "$or"},
		{"two operators in one condition", `{"a":[{"prefix":"x","suffix":"y"}]}`, ScopeAttributes, "Only one key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFilterPolicy(tc.policy, tc.scope)
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantIn)
			}
		})
	}
}

func FuzzParseFilterPolicy(f *testing.F) {
	for _, seed := range []string{
		`{"a":["x",1,true,null]}`,
		`{"a":[{"prefix":"p"},{"suffix":"s"},{"equals-ignore-case":"E"}]}`,
		`{"a":[{"anything-but":["x",2]}],"b":[{"anything-but":{"prefix":"q"}}]}`,
		`{"n":[{"numeric":[">=",0,"<",10]}],"ip":[{"cidr":"10.0.0.0/8"}]}`,
		`{"$or":[{"a":["x"]},{"b":{"c":[{"exists":false}]}}]}`,
		`{"a":{"b":{"c":["deep"]}}}`,
		`[1,2]`, `{}`, `{"a":[{}]}`,
	} {
		f.Add(seed)
	}
	attrs := map[string]MessageAttribute{"a": str("x"), "n": num("5"), "ip": str("10.1.2.3"), "b": arr(`["y",1,null]`)}
	bodies := []string{`{"a":"x","b":{"c":"deep"},"n":5}`, `{"a":[{"b":1},"x"]}`, `not json`}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, scope := range []string{ScopeAttributes, ScopeBody} {
			p, err := parseFilterPolicy(doc, scope)
			if err != nil {
				continue
			}
			if p.root.keys() > maxFilterKeys || p.root.combinations() > maxFilterCombinations {
				t.Fatalf("accepted a policy over AWS's limits: %s", doc)
			}
			p.matchAttributes(attrs)
			for _, b := range bodies {
				p.matchBody(b)
			}
		}
	})
}
