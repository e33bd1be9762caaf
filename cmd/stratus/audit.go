package main

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/stratus-cloud/stratus/internal/audit"
	"github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/datakey"
	"github.com/stratus-cloud/stratus/internal/rootkey"
)

const auditUsage = `usage:
  stratus audit verify --data-dir DIR [--root-key-file FILE]
      check the audit trail's hash chain and signed digests (exit 0 intact, 1 tampered, 2 error)
  stratus audit events --data-dir DIR [--data] [--since RFC3339] [--limit N]
      print audit records as JSON lines, oldest first (--data includes data events)
`

// auditCommand runs `stratus audit ...` and returns the exit status: 0 when
// the trail is intact (or the events were printed), 1 when verify found
// tampering, 2 on usage or I/O errors. It opens the database read-only, so
// it works while the server runs.
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	def, err := config.Default(config.Env{
		Home: os.Getenv("HOME"), XDGDataHome: os.Getenv("XDG_DATA_HOME"), XDGConfigHome: os.Getenv("XDG_CONFIG_HOME"),
	})
	if err != nil {
		def = config.Config{}
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, def, args[1:], stdout, stderr)
	case "events":
		return auditEvents(ctx, def, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, auditUsage)
		return 0
	}
	fmt.Fprint(stderr, auditUsage)
	return 2
}

func auditVerify(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory of the server")
	fs.StringVar(&cfg.RootKeyFile, "root-key-file", cfg.RootKeyFile, "root key file; STRATUS_ROOT_KEY (base64) overrides it")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	db, dataKey, err := openTrail(cfg.DataDir, cfg.RootKeyFile)
	if err != nil {
		fmt.Fprintln(stderr, "stratus audit verify:", err)
		return 2
	}
	priv, err := audit.DigestKey(dataKey)
	if err != nil {
		db.Close()
		fmt.Fprintln(stderr, "stratus audit verify:", err)
		return 2
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db, priv.Public().(ed25519.PublicKey))
	if err != nil {
		fmt.Fprintln(stderr, "stratus audit verify:", err)
		return 2
	}
	fmt.Fprintf(stdout, "%d records, %d digests, %d records after the last digest (chained, not yet signed)\n",
		rep.Records, rep.Digests, rep.Uncovered)
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, "problem:", p)
	}
	if !rep.Intact() {
		fmt.Fprintf(stdout, "TAMPERED: %d problems\n", len(rep.Problems))
		return 1
	}
	fmt.Fprintln(stdout, "intact")
	return 0
}

func auditEvents(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory of the server")
	fs.StringVar(&cfg.RootKeyFile, "root-key-file", cfg.RootKeyFile, "root key file; STRATUS_ROOT_KEY (base64) overrides it")
	data := fs.Bool("data", false, "include data events (Lambda Invoke, SQS messages, SNS Publish, log event reads)")
	since := fs.String("since", "", "only records at or after this time (RFC 3339)")
	limit := fs.Int("limit", 0, "print at most this many records (0: all)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	f := audit.EventsFilter{Data: *data, Limit: *limit}
	if *since != "" {
		t, err := time.Parse(time.RFC3339, *since)
		if err != nil {
			fmt.Fprintln(stderr, "stratus audit events: --since:", err)
			return 2
		}
		f.Since = t
	}
	db, _, err := openTrail(cfg.DataDir, cfg.RootKeyFile)
	if err != nil {
		fmt.Fprintln(stderr, "stratus audit events:", err)
		return 2
	}
	defer db.Close()
	err = audit.Events(ctx, db, f, func(rec json.RawMessage) error {
		_, err := fmt.Fprintf(stdout, "%s\n", rec)
		return err
	})
	if err != nil {
		fmt.Fprintln(stderr, "stratus audit events:", err)
		return 2
	}
	return 0
}

// openTrail opens DIR/stratus.db read-only (it must exist) with the data
// key the root key opens, and returns that data key.
func openTrail(dir, rootKeyFile string) (*sql.DB, *rootkey.Key, error) {
	if dir == "" {
		return nil, nil, errors.New("no --data-dir given")
	}
	path := filepath.Join(dir, "stratus.db")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("no database in %s: %w", dir, err)
	}
	root, err := loadRootKey(os.Getenv("STRATUS_ROOT_KEY"), rootKeyFile)
	if err != nil {
		return nil, nil, err
	}
	dk, err := datakey.Open(dir, root)
	if err != nil {
		return nil, nil, err
	}
	db, err := audit.OpenReadOnly(path, storeKey(dk))
	if err != nil {
		return nil, nil, err
	}
	return db, dk, nil
}

// loadRootKey reads the root key as the server does (env before file),
// without creating a missing file.
func loadRootKey(env, file string) (*rootkey.Key, error) {
	if env != "" {
		return rootkey.FromEnv(env)
	}
	if file == "" {
		return nil, errors.New("no --root-key-file given and STRATUS_ROOT_KEY unset")
	}
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("root key: %w", err)
	}
	return rootkey.LoadOrCreate(file)
}

// storeKey is the key the server's store is encrypted with.
func storeKey(dk *rootkey.Key) []byte { return datakey.StoreKey(dk) }
