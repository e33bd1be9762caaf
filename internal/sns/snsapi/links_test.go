package snsapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sns/snsapi"
)

func TestLinksHandler(t *testing.T) {
	e := newEnvDelivering(t, false)
	srv := httptest.NewServer(snsapi.Handler(e.SNS))
	defer srv.Close()
	certName, _ := e.SNS.CertificatePEM()
	tests := []struct {
		name, path string
		status     int
		bodyHas    string
	}{
		{"the certificate is served as PEM", sns.URLPath + certName, 200, "-----BEGIN CERTIFICATE-----"},
		{"another file name is not found", sns.URLPath + "SimpleNotificationService-other.pem", 404, ""},
		{"a wrong token is InvalidParameter in AWS's XML", sns.URLPath + "?Action=ConfirmSubscription&TopicArn=" + e.topicARN("t") + "&Token=x", 404,
			"<Code>NotFound</Code>"},
		{"an unknown action is refused", sns.URLPath + "?Action=Publish", 400, "<Code>InvalidAction</Code>"},
		{"unsubscribing an unknown subscription succeeds as on AWS", sns.URLPath + "?Action=Unsubscribe&SubscriptionArn=" + e.topicARN("t") + ":x", 200,
			"<UnsubscribeResponse"},
		{"paths outside the prefix are not found", "/elsewhere", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.bodyHas) {
				t.Errorf("got %d %s", resp.StatusCode, b)
			}
		})
	}
}
