package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON writes the policy as compact JSON that Parse reads back into
// the same policy (same kind). Elements keep the form they were written in (a
// single string or a list); condition values are written as strings.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(&b, name)
		b.WriteByte(':')
	}
	if p.Version != "" {
		field("Version")
		writeString(&b, p.Version)
	}
	if p.ID != "" {
		field("Id")
		writeString(&b, p.ID)
	}
	field("Statement")
	if !p.singleStatement {
		b.WriteByte('[')
	}
	for i := range p.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		p.Statements[i].marshal(&b)
	}
	if !p.singleStatement {
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (st *Statement) marshal(b *bytes.Buffer) {
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, name)
		b.WriteByte(':')
	}
	if st.Sid != "" {
		field("Sid")
		writeString(b, st.Sid)
	}
	field("Effect")
	writeString(b, st.Effect.String())
	if st.Principal != nil {
		field("Principal")
		st.Principal.marshal(b)
	}
	if st.NotPrincipal != nil {
		field("NotPrincipal")
		st.NotPrincipal.marshal(b)
	}
	if st.Action != nil {
		field("Action")
		writeList(b, st.Action, st.singles&singleAction != 0)
	}
	if st.NotAction != nil {
		field("NotAction")
		writeList(b, st.NotAction, st.singles&singleAction != 0)
	}
	if st.Resource != nil {
		field("Resource")
		writeList(b, st.Resource, st.singles&singleResource != 0)
	}
	if st.NotResource != nil {
		field("NotResource")
		writeList(b, st.NotResource, st.singles&singleResource != 0)
	}
	if st.Conditions != nil {
		field("Condition")
		b.WriteByte('{')
		// Conditions of one operator are adjacent and in document order.
		for i := 0; i < len(st.Conditions); {
			if i > 0 {
				b.WriteByte(',')
			}
			op := st.Conditions[i].Operator
			writeString(b, op)
			b.WriteString(":{")
			start := i
			for j := start; j < len(st.Conditions) && st.Conditions[j].Operator == op; j++ {
				if j > start {
					b.WriteByte(',')
				}
				c := &st.Conditions[j]
				writeString(b, c.Key)
				b.WriteByte(':')
				writeList(b, c.Values, false)
				i = j + 1
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func (p *Principals) marshal(b *bytes.Buffer) {
	if p.All {
		writeString(b, "*")
		return
	}
	b.WriteByte('{')
	first := true
	for _, e := range []struct {
		name string
		list []string
		bit  uint8
	}{
		{"AWS", p.AWS, singleAWS},
		{"Service", p.Service, singleService},
		{"Federated", p.Federated, singleFederated},
		{"CanonicalUser", p.CanonicalUser, singleCanonical},
	} {
		if e.list == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, e.name)
		b.WriteByte(':')
		writeList(b, e.list, p.singles&e.bit != 0)
	}
	b.WriteByte('}')
}

func writeList(b *bytes.Buffer, list []string, single bool) {
	if single && len(list) == 1 {
		writeString(b, list[0])
		return
	}
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}
