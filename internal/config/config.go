// Package config holds the server's configuration and its defaults. main fills a
// Config from flags and the environment and passes it down; no other package reads
// flags or the environment.
package config

import (
	"errors"
	"path/filepath"
	"time"
)

// Default listen address: loopback only, the port LocalStack users already know.
const DefaultListen = "127.0.0.1:4566"

// DefaultRegion is the region Stratus reports when a client names none.
const DefaultRegion = "us-east-1"

// Config is everything `stratus server` needs.
type Config struct {
	// Listen is the TCP address of the API listener.
	Listen string
	// DataDir holds the store, blobs and the user's credentials file.
	DataDir string
	// RootKeyFile is where the root key lives (outside DataDir by default).
	RootKeyFile string
	// RootKey, if set, is the base64 root key given through the environment; it
	// takes precedence over RootKeyFile.
	RootKey string
	// Region is reported where a client does not name one.
	Region string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// Lambda configures function execution.
	Lambda Lambda
	// TLS configures HTTPS.
	TLS TLS
}

// TLS configures HTTPS on the API listener.
type TLS struct {
	// Enabled serves HTTPS (TLS 1.2 at least).
	Enabled bool
	// CertFile and KeyFile are the server's certificate and key (PEM); empty
	// means a certificate signed by a CA Stratus makes in DataDir/tls.
	CertFile, KeyFile string
	// InsecureHTTP allows plain HTTP on an address other than loopback.
	InsecureHTTP bool
}

// Lambda configures function execution.
type Lambda struct {
	// ConcurrencyLimit is each account's concurrent executions limit.
	ConcurrencyLimit int
	// FreezeAfter is how long an idle execution environment runs before it is
	// frozen (at most 100 ms).
	FreezeAfter time.Duration
	// IdleTimeout is how long an idle environment is kept before it is shut down.
	IdleTimeout time.Duration
	// RetryDelay is the wait before retrying an asynchronous invocation that
	// failed (doubled for the second retry); AWS's is a minute.
	RetryDelay time.Duration
	// RunDir holds the launcher's working files and the extracted code of
	// functions that ran (on a memory filesystem mounted at RUN_DIR/code, so
	// plaintext code never reaches the disk); empty means
	// DataDir/run. It must be on a disk filesystem.
	RunDir string
}

// DefaultLambda is the function execution configuration without flags.
func DefaultLambda() Lambda {
	return Lambda{ConcurrencyLimit: 1000, FreezeAfter: 50 * time.Millisecond, IdleTimeout: 10 * time.Minute, RetryDelay: time.Minute}
}

// Env is the part of the process environment defaults are computed from.
type Env struct {
	Home, XDGDataHome, XDGConfigHome string
}

// Default returns the configuration used when no flag overrides it: data in the
// per-user data directory ($XDG_DATA_HOME/stratus or ~/.local/share/stratus) and
// the root key in the per-user config directory ($XDG_CONFIG_HOME/stratus/root.key
// or ~/.config/stratus/root.key).
func Default(env Env) (Config, error) {
	data := env.XDGDataHome
	if data == "" {
		if env.Home == "" {
			return Config{}, errors.New("no home directory: set HOME or pass --data-dir")
		}
		data = filepath.Join(env.Home, ".local", "share")
	}
	conf := env.XDGConfigHome
	if conf == "" {
		if env.Home == "" {
			return Config{}, errors.New("no home directory: set HOME or pass --root-key-file")
		}
		conf = filepath.Join(env.Home, ".config")
	}
	return Config{
		Listen:      DefaultListen,
		DataDir:     filepath.Join(data, "stratus"),
		RootKeyFile: filepath.Join(conf, "stratus", "root.key"),
		Region:      DefaultRegion,
		LogLevel:    "info",
		Lambda:      DefaultLambda(),
	}, nil
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	switch {
	case c.Listen == "":
		return errors.New("listen address is empty")
	case c.DataDir == "":
		return errors.New("data directory is empty")
	case c.RootKey == "" && c.RootKeyFile == "":
		return errors.New("no root key file or root key given")
	case c.Region == "":
		return errors.New("region is empty")
	case c.Lambda.ConcurrencyLimit < 1:
		return errors.New("lambda concurrency limit must be at least 1")
	case c.Lambda.FreezeAfter <= 0 || c.Lambda.FreezeAfter > 100*time.Millisecond:
		return errors.New("lambda freeze delay must be more than 0 and at most 100ms")
	case c.Lambda.IdleTimeout <= 0:
		return errors.New("lambda idle timeout must be positive")
	}
	return nil
}
