package sqs

import (
	"bytes"
	"testing"
)

// FuzzReceiptHandle checks that any string either is refused or decodes to a
// handle that encodes back to itself.
func FuzzReceiptHandle(f *testing.F) {
	f.Add(encodeHandle(42, 7, bytes.Repeat([]byte{9}, receiptTokenLen)))
	f.Add("")
	f.Add("AQ")
	f.Add("!!!!")
	f.Add("AX000000000000000000000000000000000000000000\n") // line breaks are skipped by the decoder
	f.Fuzz(func(t *testing.T, h string) {
		id, seq, token, ok := decodeHandle(h)
		if !ok {
			return
		}
		if again := encodeHandle(id, seq, token); again != h {
			t.Fatalf("%q decodes to a handle that encodes as %q", h, again)
		}
	})
}

// FuzzQueueURL checks that a parsed queue URL names a queue that can exist.
func FuzzQueueURL(f *testing.F) {
	f.Add("https://sqs.us-east-1.amazonaws.com/111122223333/q")
	f.Add("http://h/111122223333/a.fifo")
	f.Add("http://h/1/../q")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseQueueURL(s)
		if err != nil {
			return
		}
		if !validAccount(ref.Account) || !validName(ref.Name) {
			t.Fatalf("%q gave %+v", s, ref)
		}
		if back, err := ParseARN(ref.ARN("us-east-1")); err != nil || back != ref {
			t.Fatalf("%+v does not round-trip through its ARN: %v", ref, err)
		}
	})
}

// FuzzQueueAttributes feeds arbitrary attribute values through the checks
// CreateQueue and SetQueueAttributes make; what they accept must parse back
// unchanged.
func FuzzQueueAttributes(f *testing.F) {
	f.Add("RedrivePolicy", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111122223333:d","maxReceiveCount":"5"}`)
	f.Add("RedriveAllowPolicy", `{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:111122223333:s"]}`)
	f.Add("VisibilityTimeout", " 30")
	f.Add("Policy", `{"Statement":[]}`)
	f.Add("ContentBasedDeduplication", "TRUE")
	f.Fuzz(func(t *testing.T, name, value string) {
		norm, err := normalizeAttributes(map[string]string{name: value}, true, true)
		if err != nil {
			return
		}
		again, err := normalizeAttributes(norm, true, true)
		if err != nil {
			t.Fatalf("normalized %v is refused: %v", norm, err)
		}
		for k, v := range norm {
			if again[k] != v {
				t.Fatalf("%s: %q normalizes again to %q", k, v, again[k])
			}
		}
		_ = parseConfig(norm)
	})
}

// FuzzMessageAttributes checks attribute and body validation on arbitrary
// input: accepted values have a digest, and the stored form reads back.
func FuzzMessageAttributes(f *testing.F) {
	f.Add("name", "Number.float", "-1.5e3", []byte(nil), "body")
	f.Add("b", "Binary", "", []byte{0, 1}, "x\ty")
	f.Add("AWS.x", "String", "v", []byte(nil), "\x00")
	f.Fuzz(func(t *testing.T, name, typ, str string, bin []byte, body string) {
		attrs := map[string]MessageAttribute{name: {DataType: typ, StringValue: str, BinaryValue: bin}}
		if _, err := checkAttributes(attrs); err != nil {
			return
		}
		if checkContents(body) != nil {
			return
		}
		if MD5OfAttributes(attrs) == "" {
			t.Fatal("no digest")
		}
		back := decodeAttributes(encodeAttributes(attrs))
		if MD5OfAttributes(back) != MD5OfAttributes(attrs) {
			t.Fatalf("stored form changes %v into %v", attrs, back)
		}
	})
}
