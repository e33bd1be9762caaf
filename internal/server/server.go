// Package server is the one place that wires Stratus together: it opens the root key
// and the store, builds every service, registers them on the API router, and starts
// and stops them in order. It alone depends on every subsystem.
//
// It is not for behaviour of its own beyond the health check and first-start
// bootstrap: services own their logic.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/audit"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/datakey"
	"github.com/stratus-cloud/stratus/internal/logs"
	"github.com/stratus-cloud/stratus/internal/metrics"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sns/snsapi"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Server is a running Stratus API server.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	out     io.Writer
	store   *store.Store
	metrics *metrics.Registry
	router  *awsproto.Router
	health  map[string]string // service -> state; written during New, read-only after
	logs    *logs.Service     // started by Start, stopped by Shutdown
	sqs     *sqs.Service      // started by Start, stopped by Shutdown
	sns     *sns.Service      // started by Start, stopped by Shutdown
	trail   *audit.Trail      // made by wire, closed by Shutdown (or New's failure)
	lock    *os.File          // the data directory's lock, held until Shutdown
	code    *codeURLs
	// lambdaCode reads a code blob for the code download route.
	lambdaCode func(blob.Digest) ([]byte, error)
	lambda     *lambdaRuntime   // nil when functions cannot run here
	handler    http.Handler     // every route: the API, health, metrics, code downloads
	tlsCert    *tls.Certificate // set when serving HTTPS

	ln   net.Listener
	http *http.Server
	// serveErr receives the result of http.Server.Serve; owned by Start/Shutdown.
	serveErr chan error

	closeOnce sync.Once
}

// New builds a Server from cfg: it prepares the data directory, loads or creates
// the root key, opens and migrates the store, bootstraps the first account on first
// start (writing DIR/credentials and telling out, once, how to use it) and
// registers every service. It does not listen yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := checkPlainHTTP(cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	lock, err := LockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	key, err := loadRootKey(cfg)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("root key: %w", err)
	}
	dataKey, err := openDataKey(ctx, cfg.DataDir, key)
	if err != nil {
		lock.Close()
		return nil, err
	}
	// The store's pages are encrypted under a key derived from the data key
	// (a store written in clear by an older version is encrypted on open).
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(cfg.DataDir, "stratus.db"), Key: datakey.StoreKey(dataKey)})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Server{
		cfg: cfg, log: log, out: out, store: st, lock: lock,
		metrics: metrics.New(time.Now()),
		health:  map[string]string{},
	}
	if err := s.wire(ctx, key, dataKey); err != nil {
		s.lambda.close()
		if s.trail != nil {
			s.trail.Close()
		}
		st.Close()
		lock.Close()
		return nil, err
	}
	return s, nil
}

func loadRootKey(cfg config.Config) (*rootkey.Key, error) {
	if cfg.RootKey != "" {
		return rootkey.FromEnv(cfg.RootKey)
	}
	return rootkey.LoadOrCreate(cfg.RootKeyFile)
}

// Start listens on cfg.Listen and serves in a goroutine owned by s until Shutdown.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if s.tlsCert != nil {
		ln = tls.NewListener(ln, tlsConfig(*s.tlsCert))
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.logs.Start()
	s.sqs.Start()
	s.sns.Start()
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.http.Serve(ln) }()
	if err := writeFileAtomic(filepath.Join(s.cfg.DataDir, EndpointFile), []byte(s.URL()+"\n"), 0o644); err != nil {
		return fmt.Errorf("write endpoint file: %w", err)
	}
	s.log.Info("stratus listening", "url", s.URL(), "data_dir", s.cfg.DataDir)
	return nil
}

// routes is every route the server answers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_stratus/health", s.serveHealth)
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	mux.HandleFunc("GET "+codePathPrefix+"{account}/{digest}", s.code.serve(s.lambdaCode))
	mux.Handle(sns.URLPath, snsapi.Handler(s.sns))
	mux.Handle("/", s.router)
	return mux
}

// URL is the server's base URL once started.
func (s *Server) URL() string {
	if s.tlsCert != nil {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// Shutdown stops accepting requests, waits for in-flight ones within ctx, then
// closes the store. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		if s.http != nil {
			err = s.http.Shutdown(ctx)
			if serr := <-s.serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
				err = serr
			}
		}
		// Environments go after the API stopped taking invokes; their last
		// log lines are shipped before the logs service stops.
		s.lambda.close()
		if s.http != nil {
			for _, stop := range []func(context.Context) error{s.sns.Stop, s.sqs.Stop, s.logs.Stop} {
				if serr := stop(ctx); serr != nil && err == nil {
					err = serr
				}
			}
		}
		// The trail goes last: it flushes the data events queued by the
		// calls above and signs a final digest.
		if cerr := s.trail.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if cerr := s.store.Close(); cerr != nil && err == nil {
			err = cerr
		}
		s.lock.Close()
	})
	return err
}

// Run builds, starts and serves until ctx is done, then shuts down.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	s, err := New(ctx, cfg, log, out)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		s.Shutdown(context.Background())
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-s.serveErr:
		s.serveErr <- err // let Shutdown see it
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(s.health))
	for n := range s.health {
		names = append(names, n)
	}
	sort.Strings(names)
	type svc struct {
		Name  string `json:"name"`
		State string `json:"state"`
	}
	resp := struct {
		Status   string `json:"status"`
		Services []svc  `json:"services"`
	}{Status: "ready"}
	for _, n := range names {
		resp.Services = append(resp.Services, svc{n, s.health[n]})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	if err := s.metrics.WriteText(w); err != nil {
		s.log.Warn("write metrics", "err", err)
		return
	}
	if err := s.lambda.writeMetrics(w); err != nil {
		s.log.Warn("write metrics", "err", err)
	}
}
