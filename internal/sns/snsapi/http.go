package snsapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/sns"
)

// DeliveryTimeout is how long an http/https delivery may take, as on AWS.
const DeliveryTimeout = 15 * time.Second

// poster implements sns.HTTPPoster with an http.Client.
type poster struct{ client *http.Client }

var _ sns.HTTPPoster = poster{}

// NewHTTPPoster returns the sns.HTTPPoster that POSTs with client; nil
// means a client with DeliveryTimeout that does not follow redirects.
func NewHTTPPoster(client *http.Client) sns.HTTPPoster {
	if client == nil {
		client = &http.Client{
			Timeout:       DeliveryTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return poster{client: client}
}

func (p poster) Post(ctx context.Context, url string, header map[string]string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// Handler serves, under sns.URLPath, what the links in SNS messages point
// at, without AWS credentials as on AWS: the signing certificate
// (SigningCertURL), ?Action=ConfirmSubscription&TopicArn=..&Token=..
// (SubscribeURL) and ?Action=Unsubscribe&SubscriptionArn=.. (UnsubscribeURL).
// The last two answer with AWS's XML. The server mounts it at sns.URLPath.
func Handler(svc *sns.Service) http.Handler {
	return &links{svc: svc}
}

type links struct{ svc *sns.Service }

func (l *links) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, sns.URLPath)
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	reqID := requestID()
	if rest != "" {
		name, pemBytes := l.svc.CertificatePEM()
		if rest != name {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(pemBytes)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeXMLError(w, awserr.New("MalformedQueryString", 400, "The query string could not be parsed."), reqID)
		return
	}
	switch r.Form.Get("Action") {
	case "ConfirmSubscription":
		arn, err := l.svc.ConfirmSubscription(r.Context(), r.Form.Get("TopicArn"), r.Form.Get("Token"), false, false)
		if err != nil {
			writeXMLError(w, err, reqID)
			return
		}
		writeXML(w, "ConfirmSubscription", "<SubscriptionArn>"+escape(arn)+"</SubscriptionArn>", reqID)
	case "Unsubscribe":
		if err := l.svc.Unsubscribe(r.Context(), r.Form.Get("SubscriptionArn"), true); err != nil {
			writeXMLError(w, err, reqID)
			return
		}
		writeXML(w, "Unsubscribe", "", reqID)
	default:
		writeXMLError(w, awserr.New("InvalidAction", 400, "The action %s is not valid for this link.", r.Form.Get("Action")), reqID)
	}
}

const xmlNS = "http://sns.amazonaws.com/doc/2010-03-31/"

func writeXML(w http.ResponseWriter, action, result, reqID string) {
	w.Header().Set("Content-Type", "text/xml")
	body := "<" + action + "Response xmlns=\"" + xmlNS + "\">"
	if result != "" {
		body += "<" + action + "Result>" + result + "</" + action + "Result>"
	}
	body += "<ResponseMetadata><RequestId>" + reqID + "</RequestId></ResponseMetadata></" + action + "Response>"
	_, _ = io.WriteString(w, body)
}

func writeXMLError(w http.ResponseWriter, err error, reqID string) {
	e, ok := awserr.As(err)
	if !ok {
		e = awserr.Internal()
	}
	fault := "Sender"
	if e.Server {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.HTTPStatus())
	_, _ = io.WriteString(w, "<ErrorResponse xmlns=\""+xmlNS+"\"><Error><Type>"+fault+"</Type><Code>"+escape(e.Code)+
		"</Code><Message>"+escape(e.Message)+"</Message></Error><RequestId>"+reqID+"</RequestId></ErrorResponse>")
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
