package awsproto

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/sigv4"
)

// DefaultMaxBodyBytes caps request bodies of services that set no limit.
const DefaultMaxBodyBytes = 16 << 20

// Observer is told about every finished call (metrics, later the audit trail).
type Observer interface {
	Observe(e *Event)
}

// Event describes one finished API call.
type Event struct {
	Service   string // model name, "" if unknown
	Operation string // "" if unknown
	Principal *identity.Principal
	Status    int
	ErrorCode string // "" on success
	Duration  time.Duration
	RequestID string

	// audit is what the Auditor is handed, filled in as the request is
	// understood; nil until the caller is authenticated.
	audit *AuditEntry
}

// RouterConfig holds what a Router needs.
type RouterConfig struct {
	Authenticator Authenticator
	Authorizer    Authorizer
	// Codecs maps a model protocol name (model.JSON, model.Query, ...) to its codec.
	Codecs   map[string]codec.Codec
	Logger   *slog.Logger
	Observer Observer // may be nil
	Auditor  Auditor  // may be nil
	Now      func() time.Time
}

// Router serves every registered service on one http.Handler.
type Router struct {
	cfg RouterConfig
	// Registration happens before serving starts; the maps are read-only after.
	bySigningName map[string][]*Service
	byTarget      map[string]*Service // X-Amz-Target prefix -> service
	byCBORName    map[string]*Service // /service/<name>/ -> service
	// queryViews holds, for each service with a QueryModel, the same service
	// with that model, which form-encoded requests are served with.
	queryViews map[*Service]*Service
}

// NewRouter returns a Router with no services.
func NewRouter(cfg RouterConfig) *Router {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Router{
		cfg:           cfg,
		bySigningName: map[string][]*Service{},
		byTarget:      map[string]*Service{},
		byCBORName:    map[string]*Service{},
		queryViews:    map[*Service]*Service{},
	}
}

// Register adds a service. It must be called before the router serves requests.
func (rt *Router) Register(s *Service) error {
	m := s.Model
	if _, ok := rt.cfg.Codecs[m.Protocol]; !ok {
		return fmt.Errorf("register %s: no codec for protocol %q", m.Name, m.Protocol)
	}
	for name := range s.Ops {
		if _, ok := m.Operations[name]; !ok {
			return fmt.Errorf("register %s: op %s is not in the model", m.Name, name)
		}
	}
	if q := s.QueryModel; q != nil {
		if _, ok := rt.cfg.Codecs[model.Query]; !ok || q.Protocol != model.Query {
			return fmt.Errorf("register %s: its query model needs protocol %q and a codec for it", m.Name, model.Query)
		}
		for name := range s.Ops {
			if _, ok := q.Operations[name]; !ok {
				return fmt.Errorf("register %s: op %s is not in the query model", m.Name, name)
			}
		}
		view := *s
		view.Model, view.QueryModel = q, nil
		rt.queryViews[s] = &view
	}
	rt.bySigningName[m.SigningName] = append(rt.bySigningName[m.SigningName], s)
	if m.TargetPrefix != "" {
		rt.byTarget[m.TargetPrefix] = s
		// Clients may send only the prefix's last segment (see jsonrpc).
		if i := strings.LastIndexByte(m.TargetPrefix, '.'); i >= 0 {
			rt.byTarget[m.TargetPrefix[i+1:]] = s
		}
		if m.Protocol == model.CBOR {
			rt.byCBORName[m.TargetPrefix] = s
		}
	}
	return nil
}

// Services returns the registered services' model names.
func (rt *Router) Services() []string {
	var names []string
	for _, ss := range rt.bySigningName {
		for _, s := range ss {
			names = append(names, s.Model.Name)
		}
	}
	return names
}

// ServeHTTP runs the whole request path.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := rt.cfg.Now()
	reqID := newRequestID()
	ev := &Event{RequestID: reqID}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			rt.cfg.Logger.Error("panic in request", "request_id", reqID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !sw.wrote {
				rt.writeError(sw, nil, nil, awserr.Internal(), reqID)
			}
			ev.Status, ev.ErrorCode = http.StatusInternalServerError, "InternalFailure"
		}
		ev.Duration = rt.cfg.Now().Sub(start)
		if ev.Status == 0 {
			ev.Status = sw.status
		}
		// Successful requests are logged at debug level: at thousands of
		// invokes a second an access line each is a cost nobody reads.
		level := slog.LevelDebug
		switch {
		case ev.Status >= 500:
			level = slog.LevelError
		case ev.Status >= 400:
			level = slog.LevelInfo
		}
		if rt.cfg.Logger.Enabled(r.Context(), level) {
			rt.cfg.Logger.Log(r.Context(), level, "request", "request_id", reqID, "service", ev.Service, "operation", ev.Operation,
				"status", ev.Status, "error", ev.ErrorCode, "duration_ms", float64(ev.Duration.Microseconds())/1000,
				"principal", principalARN(ev.Principal))
		}
		if rt.cfg.Observer != nil {
			rt.cfg.Observer.Observe(ev)
		}
	}()
	rt.serve(sw, r, start, reqID, ev)
}

func (rt *Router) serve(w http.ResponseWriter, r *http.Request, start time.Time, reqID string, ev *Event) {
	svc := rt.route(r)
	if svc != nil && svc.QueryModel != nil && formEncoded(r) {
		svc = rt.queryViews[svc]
	}
	limit := int64(DefaultMaxBodyBytes)
	if svc != nil && svc.MaxBodyBytes > 0 {
		limit = svc.MaxBodyBytes
	}
	body, err := readBody(r, limit)
	if err != nil {
		rt.fail(w, svc, nil, err, reqID, ev)
		return
	}
	if svc == nil {
		// Nothing names a service we serve. Without credentials that is a missing
		// token; with them, the scope names a service Stratus does not offer.
		if _, ok := sigv4.ParseScope(r); !ok {
			rt.fail(w, nil, nil, sigv4.MissingAuthenticationToken(), reqID, ev)
			return
		}
		rt.fail(w, nil, nil, awserr.New("UnknownService", http.StatusBadRequest, "The request's credential scope names no service that Stratus serves."), reqID, ev)
		return
	}
	ev.Service = svc.Model.Name
	cd := rt.cfg.Codecs[svc.Model.Protocol]

	if !cleanPath(r.URL.EscapedPath()) {
		rt.fail(w, svc, nil, awserr.New("InvalidURI", http.StatusBadRequest, "The request path must not contain empty, '.' or '..' segments."), reqID, ev)
		return
	}
	p, err := rt.cfg.Authenticator.Authenticate(r.Context(), r, body, svc.Model.SigningName)
	if err != nil {
		rt.fail(w, svc, nil, err, reqID, ev)
		return
	}
	if body, err = inflate(r, body, limit); err != nil {
		rt.fail(w, svc, nil, err, reqID, ev)
		return
	}
	p.SourceIP = remoteIP(r)
	p.SecureTransport = r.TLS != nil
	ev.Principal = p
	scope, _ := sigv4.ParseScope(r)
	if rt.cfg.Auditor != nil {
		ev.audit = &AuditEntry{Time: start, Service: svc.Model, Principal: p, Region: scope.Region, SourceIP: p.SourceIP,
			UserAgent: r.Header.Get("User-Agent"), RequestID: reqID}
	}

	op, err := cd.Operation(svc.Model, r, body)
	if err != nil {
		rt.fail(w, svc, nil, err, reqID, ev)
		return
	}
	ev.Operation = op.Name
	if ev.audit != nil {
		ev.audit.Operation = op
	}
	in, err := cd.DecodeRequest(svc.Model, op, r, body)
	if ev.audit != nil {
		ev.audit.In = in
	}
	if err != nil {
		rt.fail(w, svc, op, err, reqID, ev)
		return
	}
	h, ok := svc.Ops[op.Name]
	if !ok {
		rt.fail(w, svc, op, awserr.NotImplemented(svc.Model.ServiceID, op.Name), reqID, ev)
		return
	}
	ctx := identity.WithRequestID(identity.NewContext(r.Context(), p), reqID)
	if ev.audit != nil {
		ev.audit.Notes = &identity.Notes{}
		ctx = rt.cfg.Auditor.Begin(identity.WithNotes(ctx, ev.audit.Notes), ev.audit)
	}
	call := &Call{
		Context: ctx, Principal: p, Service: svc.Model, Operation: op,
		Region: scope.Region, Host: r.Host, RequestID: reqID, Header: r.Header, Time: start,
	}
	var arg any = in
	if h.Decode != nil {
		if arg, err = h.Decode(in); err != nil {
			rt.fail(w, svc, op, err, reqID, ev)
			return
		}
	}
	if err := rt.authorize(call, svc, h, arg); err != nil {
		rt.fail(w, svc, op, err, reqID, ev)
		return
	}
	out, err := h.Run(call, arg)
	if err != nil {
		rt.fail(w, svc, op, err, reqID, ev)
		return
	}
	if ev.audit != nil {
		ev.audit.Out = out
		rt.cfg.Auditor.Audit(r.Context(), ev.audit)
		ev.audit = nil
	}
	if err := cd.WriteResponse(w, svc.Model, op, out, reqID); err != nil {
		// The codec could not encode what the handler returned: a server bug.
		rt.cfg.Logger.Error("encode response", "request_id", reqID, "service", svc.Model.Name, "operation", op.Name, "err", err)
		rt.fail(w, svc, op, err, reqID, ev)
		return
	}
}

// authorize asks the Authorizer about every resource the call names.
func (rt *Router) authorize(c *Call, svc *Service, h Op, in any) error {
	action := h.Action
	if action == "" {
		action = svc.ActionPrefix + ":" + c.Operation.Name
	}
	var grants []Grant
	if h.Grants != nil {
		gs, err := h.Grants(c, in)
		if err != nil {
			return err
		}
		grants = gs
	} else {
		resources := []string{"*"}
		if h.Resources != nil {
			rs, err := h.Resources(c, in)
			if err != nil {
				return err
			}
			if len(rs) > 0 {
				resources = rs
			}
		}
		for _, r := range resources {
			grants = append(grants, Grant{Action: action, Resource: r})
		}
	}
	var extra map[string][]string
	if h.Conditions != nil {
		var err error
		if extra, err = h.Conditions(c, in); err != nil {
			return err
		}
	}
	for _, g := range grants {
		err := rt.cfg.Authorizer.Authorize(c.Context, &AuthzRequest{
			Principal: c.Principal, Action: g.Action, Resource: g.Resource,
			Region: c.Region, Time: c.Time, Context: extra,
		})
		if err != nil {
			if e, ok := awserr.As(err); ok && e.Code == "AccessDenied" && svc.AccessDeniedCode != "" {
				cp := *e
				cp.Code = svc.AccessDeniedCode
				return &cp
			}
			return err
		}
	}
	return nil
}

// fail writes err with the service's codec (or a best guess when no service is
// known) and records it on ev. Errors that are not *awserr.Error are logged and
// answered as InternalFailure.
func (rt *Router) fail(w http.ResponseWriter, svc *Service, op *model.Operation, err error, reqID string, ev *Event) {
	ae, ok := awserr.As(err)
	if !ok {
		rt.cfg.Logger.Error("internal error", "request_id", reqID, "service", ev.Service, "operation", ev.Operation, "err", err)
		ae = awserr.Internal()
	}
	if svc != nil {
		ae = authErrorForProtocol(ae, svc.Model.Protocol)
	}
	ev.Status, ev.ErrorCode = ae.HTTPStatus(), ae.Code
	if ev.audit != nil && ev.audit.Operation != nil {
		ev.audit.Err = ae
		rt.cfg.Auditor.Audit(context.Background(), ev.audit)
		ev.audit = nil
	}
	rt.writeError(w, svc, op, ae, reqID)
}

// writeError writes e in the service's protocol, or as a query-style XML error
// when the service is unknown (what AWS's own front ends answer to unroutable
// requests).
func (rt *Router) writeError(w http.ResponseWriter, svc *Service, op *model.Operation, e *awserr.Error, reqID string) {
	if svc != nil {
		rt.cfg.Codecs[svc.Model.Protocol].WriteError(w, svc.Model, op, e, reqID)
		return
	}
	if q, ok := rt.cfg.Codecs[model.Query]; ok {
		q.WriteError(w, &model.Service{Protocol: model.Query}, nil, e, reqID)
		return
	}
	http.Error(w, e.Error(), e.HTTPStatus())
}

// route finds the service a request is for: X-Amz-Target, then the rpc-v2-cbor
// path, then the SigV4 credential scope.
func (rt *Router) route(r *http.Request) *Service {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		if i := strings.LastIndexByte(t, '.'); i > 0 {
			if s := rt.byTarget[t[:i]]; s != nil {
				return s
			}
		}
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/service/"); ok {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			if s := rt.byCBORName[rest[:i]]; s != nil {
				return s
			}
		}
	}
	scope, ok := sigv4.ParseScope(r)
	if !ok {
		return nil
	}
	ss := rt.bySigningName[scope.Service]
	if len(ss) == 1 {
		return ss[0]
	}
	// Several services share a signing name: only json/cbor ones can, and those
	// were matched by target above; prefer the one without a target.
	for _, s := range ss {
		if s.Model.TargetPrefix == "" {
			return s
		}
	}
	return nil
}

// formEncoded reports whether r is a query-protocol request: a form-encoded
// body, or the parameters in the URL's query string.
func formEncoded(r *http.Request) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" {
		return true
	}
	return r.URL.Query().Has("Action")
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, awserr.RequestTooLarge(limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, awserr.RequestTooLarge(limit)
		}
		return nil, awserr.New("IncompleteBody", http.StatusBadRequest, "The request body could not be read.")
	}
	return b, nil
}

// inflate returns the decoded body of a request sent with Content-Encoding gzip
// (the SDKs compress CloudWatch PutMetricData), bounded by limit after
// decompression. The signature covers the compressed bytes, so callers verify
// with the raw body and decode the inflated one.
func inflate(r *http.Request, body []byte, limit int64) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc == "" || enc == "identity" || enc == "aws-chunked" {
		return body, nil
	}
	if enc != "gzip" {
		return nil, awserr.New("UnsupportedEncoding", http.StatusUnsupportedMediaType, "Content-Encoding %q is not supported.", enc)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, awserr.Serialization("The request body is not valid gzip.")
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, awserr.Serialization("The request body is not valid gzip.")
	}
	if int64(len(out)) > limit {
		return nil, awserr.RequestTooLarge(limit)
	}
	return out, nil
}

// cleanPath reports whether p has no empty, "." or ".." segments: such paths could
// route differently from what the signature's normalized form covers.
func cleanPath(p string) bool {
	if p == "" || p == "/" {
		return true
	}
	return !strings.Contains(p, "//") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../") &&
		!strings.HasSuffix(p, "/.") && !strings.HasSuffix(p, "/..")
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func principalARN(p *identity.Principal) string {
	if p == nil {
		return ""
	}
	return p.ARN
}

// newRequestID returns a random UUID (version 4) in AWS's request id format.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

var _ http.Handler = (*Router)(nil)
