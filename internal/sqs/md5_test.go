package sqs_test

import (
	"testing"

	"github.com/stratus-cloud/stratus/internal/sqs"
)

// The expected digests are AWS's, as recorded by independent SQS clients and
// emulators that check them against AWS (the Java SDK's
// MessageMD5ChecksumHandler computes the same).
func TestMD5OfAttributesMatchesAWS(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]sqs.MessageAttribute
		want  string
	}{
		{"one Number attribute", map[string]sqs.MessageAttribute{
			"timestamp": {DataType: "Number", StringValue: "1493147359900"},
		}, "235c5c510d26fb653d073faed50ae77c"},
		{"one String attribute", map[string]sqs.MessageAttribute{
			"SellerName": {DataType: "String", StringValue: "Example Store"},
		}, "cd28f3b68aeee4b2eac9c66f2f694b58"},
		{"two attributes are digested in name order", map[string]sqs.MessageAttribute{
			"ordinal":  {DataType: "Number", StringValue: "1"},
			"category": {DataType: "String", StringValue: "test"},
		}, "d21ae90c49061e927f57df5f5d72be1f"},
		{"no attributes have no digest", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sqs.MD5OfAttributes(tt.attrs); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("a binary value is digested with transport type 2", func(t *testing.T) {
		bin := sqs.MD5OfAttributes(map[string]sqs.MessageAttribute{"b": {DataType: "Binary", BinaryValue: []byte("x")}})
		str := sqs.MD5OfAttributes(map[string]sqs.MessageAttribute{"b": {DataType: "Binary", StringValue: "x"}})
		if bin == "" || bin == str {
			t.Errorf("binary %s, string %s", bin, str)
		}
	})
}

func TestMD5OfBodyIsTheHexMD5(t *testing.T) {
	if got := sqs.MD5OfBody("hello world"); got != "5eb63bbbe01eeed093cb22bb8f5acdc3" {
		t.Errorf("got %s", got)
	}
}
