package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// MaxResponseBytes is the largest response or error payload a runtime may post, as on
// AWS (6 MB plus the 100 bytes of slack AWS allows).
const MaxResponseBytes = 6*1024*1024 + 100

// The Runtime API's header names (AWS's canonical spelling).
const (
	HeaderRequestID       = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	HeaderFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderTraceID         = "Lambda-Runtime-Trace-Id"
	HeaderClientContext   = "Lambda-Runtime-Client-Context"
	HeaderCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	HeaderErrorType       = "Lambda-Runtime-Function-Error-Type"
)

// ErrTimeout is returned by Invoke when its context's deadline passes before the runtime
// answers. The environment is then in an unknown state and should be replaced.
var ErrTimeout = errors.New("runtimeapi: invocation timed out")

// ErrClosed is returned by WaitInit and Invoke once the server is closed.
var ErrClosed = errors.New("runtimeapi: server closed")

// ErrResponseTooLarge is the error type of the function error Invoke reports when the
// runtime posts a response or error larger than Config.MaxResponseBytes.
const ErrResponseTooLarge = "Function.ResponseSizeTooLarge"

// InitError is returned by WaitInit and Invoke after the runtime reported through
// /runtime/init/error that it could not initialise.
type InitError struct {
	// Type is the Lambda-Runtime-Function-Error-Type header, or the errorType of the body
	// when the header is absent, or "Runtime.Unknown".
	Type string
	// Payload is the error document the runtime posted ({"errorMessage","errorType",...}),
	// or one built from Type when the runtime posted none.
	Payload []byte
}

func (e *InitError) Error() string { return "runtime init error: " + e.Type }

// Config configures a Server. The zero value is ready to use.
type Config struct {
	// MaxResponseBytes bounds response and error payloads; zero means MaxResponseBytes.
	MaxResponseBytes int
	// Now is the clock used for deadlines; nil means time.Now.
	Now func() time.Time
}

// Invocation is one event handed to the runtime.
type Invocation struct {
	RequestID string
	// Deadline is sent as Lambda-Runtime-Deadline-Ms. Zero means the deadline of Invoke's
	// context, or 15 minutes from now when it has none.
	Deadline    time.Time
	FunctionARN string
	TraceID     string
	// ClientContext is the decoded JSON client context ("" for none).
	ClientContext string
	// CognitoIdentity is the JSON Cognito identity ("" for none).
	CognitoIdentity string
	// Payload is the event. Invoke reads it while the runtime fetches it; it must not be
	// modified until Invoke returns (after ErrTimeout, until the server is closed).
	Payload []byte
}

// Result is what the runtime answered to one invocation.
type Result struct {
	// Payload is the response body on success, or the error document on a function error.
	Payload []byte
	// FunctionError is "" on success and "Unhandled" on a function error, the value AWS
	// puts in the X-Amz-Function-Error header of Invoke.
	FunctionError string
	// ErrorType is the error's type on a function error: the runtime's
	// Lambda-Runtime-Function-Error-Type header (or the body's errorType), or
	// ErrResponseTooLarge.
	ErrorType string
}

// Server is the Runtime API of one execution environment. Its methods are safe for
// concurrent use; Invoke calls are serialised (one invocation at a time).
type Server struct {
	maxResponse int
	now         func() time.Time
	http        *http.Server

	handoff    chan *Invocation // Invoke -> the blocked /next handler
	results    chan Result      // the /response or /error handler -> Invoke; cap 1
	invokeSem  chan struct{}    // cap 1: held by the Invoke in progress
	initDone   chan struct{}    // closed at the first /next
	initFailed chan struct{}    // closed when /init/error is accepted
	done       chan struct{}    // closed by Close
	serving    sync.WaitGroup   // Serve calls in progress
	closeOnce  sync.Once

	mu         sync.Mutex // guards the fields below
	inited     bool       // the runtime has called /next once
	initErr    *InitError // set once by /init/error
	curID      string     // request id of the invocation in progress, "" if none
	curHanded  bool       // curID has been handed to the runtime by /next
	curDone    bool       // a result for curID has been sent on results
	timedOutID string     // the last invocation Invoke gave up on
}

// New returns a Server; call Serve to start answering the runtime.
func New(cfg Config) *Server {
	s := &Server{
		maxResponse: cfg.MaxResponseBytes,
		now:         cfg.Now,
		handoff:     make(chan *Invocation),
		results:     make(chan Result, 1),
		invokeSem:   make(chan struct{}, 1),
		initDone:    make(chan struct{}),
		initFailed:  make(chan struct{}),
		done:        make(chan struct{}),
	}
	if s.maxResponse <= 0 {
		s.maxResponse = MaxResponseBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.handleInitError)
	mux.HandleFunc("/", handleNotFound)
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 30 * time.Second,
	}
	return s
}

// Serve answers the runtime on ln until Close is called; it then returns nil. It may be
// called more than once with different listeners.
func (s *Server) Serve(ln net.Listener) error {
	s.serving.Add(1)
	defer s.serving.Done()
	select {
	case <-s.done:
		ln.Close()
		return nil
	default:
	}
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serve runtime api: %w", err)
}

// Close stops serving, fails pending WaitInit and Invoke calls with ErrClosed, and waits
// for every Serve call to return.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err = s.http.Shutdown(ctx); err != nil {
			err = s.http.Close()
		}
	})
	s.serving.Wait()
	return err
}

// WaitInit waits until the runtime asks for its first invocation (nil), reports an init
// error (*InitError), the server is closed (ErrClosed) or ctx is done (ErrTimeout when its
// deadline passed, else its cause).
func (s *Server) WaitInit(ctx context.Context) error {
	select {
	case <-s.initDone:
		return nil
	case <-s.initFailed:
		return s.initError()
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

// Invoke hands inv to the runtime and waits for its result. A function error is a Result
// with FunctionError set, not an error. Errors: *InitError when the runtime failed to
// initialise, ErrTimeout when ctx's deadline passes first, ErrClosed, or ctx's cause when
// ctx is cancelled (e.g. by the invoke path when the runtime process exits).
func (s *Server) Invoke(ctx context.Context, inv Invocation) (Result, error) {
	select {
	case s.invokeSem <- struct{}{}:
	case <-s.done:
		return Result{}, ErrClosed
	case <-ctx.Done():
		return Result{}, ctxErr(ctx)
	}
	defer func() { <-s.invokeSem }()

	if inv.Deadline.IsZero() {
		if d, ok := ctx.Deadline(); ok {
			inv.Deadline = d
		} else {
			inv.Deadline = s.now().Add(15 * time.Minute)
		}
	}
	s.mu.Lock()
	if s.initErr != nil {
		s.mu.Unlock()
		return Result{}, s.initErr
	}
	s.curID, s.curHanded, s.curDone = inv.RequestID, false, false
	s.mu.Unlock()

	select {
	case s.handoff <- &inv:
	case <-s.initFailed:
		s.abandon(false)
		return Result{}, s.initError()
	case <-s.done:
		s.abandon(false)
		return Result{}, ErrClosed
	case <-ctx.Done():
		s.abandon(false)
		return Result{}, ctxErr(ctx)
	}

	select {
	case res := <-s.results:
		return res, nil
	case <-s.done:
		s.abandon(true)
		return Result{}, ErrClosed
	case <-ctx.Done():
		if s.abandon(true) {
			// The result was posted as the deadline passed: it wins.
			return <-s.results, nil
		}
		return Result{}, ctxErr(ctx)
	}
}

// abandon forgets the invocation in progress (handed: after the runtime received it) and
// reports whether its result had already been sent on s.results.
func (s *Server) abandon(handed bool) (resulted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.curDone {
		return true
	}
	if handed {
		s.timedOutID = s.curID
	}
	s.curID, s.curHanded = "", false
	return false
}

func (s *Server) initError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initErr == nil {
		return ErrClosed
	}
	return s.initErr
}

func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	return context.Cause(ctx)
}

func (s *Server) handleNext(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.initErr != nil {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "InvalidStateTransition",
			"State transition from InitError to Ready failed for runtime. Error: State transition is not allowed")
		return
	}
	if s.curHanded && !s.curDone {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "InvalidStateTransition",
			"State transition from RuntimeInvocationResponseNotSent to Ready failed for runtime. Error: State transition is not allowed")
		return
	}
	if !s.inited {
		s.inited = true
		close(s.initDone)
	}
	s.mu.Unlock()

	var inv *Invocation
	select {
	case inv = <-s.handoff:
	case <-r.Context().Done():
		return
	case <-s.done:
		writeError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	s.mu.Lock()
	if s.curID == inv.RequestID {
		s.curHanded = true
	}
	s.mu.Unlock()

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h[HeaderRequestID] = []string{inv.RequestID}
	h[HeaderDeadlineMs] = []string{strconv.FormatInt(inv.Deadline.UnixMilli(), 10)}
	if inv.FunctionARN != "" {
		h[HeaderFunctionARN] = []string{inv.FunctionARN}
	}
	if inv.TraceID != "" {
		h[HeaderTraceID] = []string{inv.TraceID}
	}
	if inv.ClientContext != "" {
		h[HeaderClientContext] = []string{inv.ClientContext}
	}
	if inv.CognitoIdentity != "" {
		h[HeaderCognitoIdentity] = []string{inv.CognitoIdentity}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(inv.Payload))}
	w.WriteHeader(http.StatusOK)
	w.Write(inv.Payload)
}

func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	s.finish(w, r, false)
}

func (s *Server) handleError(w http.ResponseWriter, r *http.Request) {
	s.finish(w, r, true)
}

// finish records the runtime's response (or error, when isError) for the invocation
// named in the path.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, isError bool) {
	id := r.PathValue("id")
	if st, typ, msg := s.checkID(id); st != 0 {
		writeError(w, st, typ, msg)
		return
	}
	body, tooLarge, err := readBody(r, s.maxResponse)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "HTTP request detected as truncated")
		return
	}
	var res Result
	switch {
	case tooLarge:
		res = Result{
			FunctionError: "Unhandled",
			ErrorType:     ErrResponseTooLarge,
			Payload: errorDoc(ErrResponseTooLarge, fmt.Sprintf(
				"Response payload size exceeded maximum allowed payload size (%d bytes).", s.maxResponse)),
		}
	case isError:
		typ := r.Header.Get(HeaderErrorType)
		res = Result{FunctionError: "Unhandled", ErrorType: typ, Payload: body}
		res.Payload, res.ErrorType = normaliseError(body, typ)
	default:
		res = Result{Payload: body}
	}

	s.mu.Lock()
	if id != s.curID || !s.curHanded || s.curDone {
		// Another response for the same invocation won the race, or Invoke gave up.
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	s.curDone = true
	s.results <- res // never blocks: one result per invocation, cap 1
	s.mu.Unlock()

	if tooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", s.maxResponse))
		return
	}
	writeAccepted(w)
}

// checkID reports the error status, type and message for a response to id, or 0.
func (s *Server) checkID(id string) (int, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case id != "" && id == s.curID && s.curHanded && !s.curDone:
		return 0, "", ""
	case id != "" && id == s.timedOutID:
		return http.StatusGone, "InvokeTimeout", "Invoke timeout"
	default:
		return http.StatusBadRequest, "InvalidRequestID", "Invalid request ID"
	}
}

func (s *Server) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, tooLarge, err := readBody(r, s.maxResponse)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "HTTP request detected as truncated")
		return
	}
	if tooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", s.maxResponse))
		return
	}
	payload, typ := normaliseError(body, r.Header.Get(HeaderErrorType))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inited || s.initErr != nil {
		from := "Ready"
		if s.initErr != nil {
			from = "InitError"
		}
		writeError(w, http.StatusForbidden, "InvalidStateTransition",
			"State transition from "+from+" to InitError failed for runtime. Error: State transition is not allowed")
		return
	}
	s.initErr = &InitError{Type: typ, Payload: payload}
	close(s.initFailed)
	writeAccepted(w)
}

func handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "NotFound", "The requested resource "+r.URL.Path+" was not found")
}

// readBody reads at most limit bytes of r's body; tooLarge reports a longer body.
func readBody(r *http.Request, limit int) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > int64(limit) {
		drain(r.Body)
		return nil, true, nil
	}
	if r.ContentLength >= 0 {
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, false, fmt.Errorf("read body: %w", err)
		}
		return body, false, nil
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, false, fmt.Errorf("read body: %w", err)
	}
	if n > int64(limit) {
		drain(r.Body)
		return nil, true, nil
	}
	return buf.Bytes(), false, nil
}

// maxDrain bounds how much of a too-large body is read and discarded so that
// the runtime gets its 413 on a connection it can keep using; past it the
// connection is closed.
const maxDrain = 64 << 20

func drain(body io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
}

// normaliseError returns the error document to give the caller and its type. A body
// that is a JSON object is kept as is; otherwise one is built from the header's type, as
// Lambda does when a runtime posts no error payload.
func normaliseError(body []byte, headerType string) ([]byte, string) {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &doc) == nil {
		if headerType == "" {
			headerType = doc.ErrorType
		}
		if headerType == "" {
			headerType = "Runtime.Unknown"
		}
		return body, headerType
	}
	if headerType == "" {
		headerType = "Runtime.Unknown"
	}
	return errorDoc(headerType, "Unknown application error occurred"), headerType
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`+"\n")
}

// errorDoc renders AWS's {"errorMessage","errorType"} document.
func errorDoc(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, typ})
	return b
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(errorDoc(typ, msg), '\n'))
}
