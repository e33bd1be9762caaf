package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/datakey"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/server"
	"github.com/stratus-cloud/stratus/internal/store"
)

const rootkeyUsage = `usage:
  stratus rootkey rotate --data-dir DIR [--root-key-file FILE] --new-root-key-file NEW
      with the server stopped: make a new root key in NEW (which must not exist) and
      rewrap the data directory's data key under it; then start the server with
      --root-key-file NEW and destroy the old key once you no longer need old backups
`

// rootkeyCommand runs `stratus rootkey ...`.
func rootkeyCommand(ctx context.Context, def config.Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprint(stderr, rootkeyUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errors.New("usage")
	}
	cfg := def
	fs := flag.NewFlagSet("rootkey rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.RootKeyFile, "root-key-file", cfg.RootKeyFile, "the current root key; STRATUS_ROOT_KEY (base64) overrides it")
	newPath := fs.String("new-root-key-file", "", "where to write the new root key (must not exist)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *newPath == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, rootkeyUsage)
		return errors.New("--new-root-key-file is required")
	}
	return rotateRootKey(ctx, cfg.DataDir, cfg.RootKeyFile, *newPath, stdout)
}

// rotateRootKey replaces the root key of dataDir. Everything at rest is
// under the data key, so rotating rewraps that key alone; values a data
// directory sealed under the root key itself before data keys existed would
// be lost, so their presence refuses the rotation.
func rotateRootKey(ctx context.Context, dataDir, oldFile, newFile string, stdout io.Writer) error {
	lock, err := server.LockDataDir(dataDir)
	if err != nil {
		return err
	}
	defer lock.Close()
	old, err := loadRootKey(os.Getenv("STRATUS_ROOT_KEY"), oldFile)
	if err != nil {
		return err
	}
	dk, err := datakey.Open(dataDir, old)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("this data directory has no data key yet: start the server once with this version, then rotate")
		}
		return err
	}
	legacy, err := sealedUnder(ctx, dataDir, dk, old.ID())
	if err != nil {
		return err
	}
	if len(legacy) > 0 {
		return fmt.Errorf("values sealed under the root key itself remain (from before data keys): %s; rotating would lose them", strings.Join(legacy, ", "))
	}
	next := rootkey.Generate()
	if err := rootkey.WriteNew(newFile, next); err != nil {
		return err
	}
	if err := dropCanary(ctx, dataDir, dk); err != nil {
		return err
	}
	if err := datakey.Rewrap(dataDir, old, next); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "root key rotated: %s (id %s) now opens %s; start the server with --root-key-file %s.\n"+
		"The old key (id %s) opens only backups taken before now.\n", newFile, next.ID(), dataDir, newFile, old.ID())
	return nil
}

// openToolStore opens the data directory's store as the server does.
func openToolStore(ctx context.Context, dataDir string, dk *rootkey.Key) (*store.Store, error) {
	return store.Open(ctx, store.Options{Path: filepath.Join(dataDir, "stratus.db"), Key: storeKey(dk)})
}

// dropCanary removes the root key canary of data directories made before
// data keys: the data key file is the root key's check now.
func dropCanary(ctx context.Context, dataDir string, dk *rootkey.Key) error {
	st, err := openToolStore(ctx, dataDir, dk)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM server_meta WHERE name = 'root-key-canary'`)
		if err != nil && strings.Contains(err.Error(), "no such table") {
			return nil
		}
		return err
	})
}

// sealedUnder lists where values sealed under the key id remain: store
// columns (table.column) and files of the data directory.
func sealedUnder(ctx context.Context, dataDir string, dk *rootkey.Key, id rootkey.ID) ([]string, error) {
	header := append([]byte{1}, id[:]...) // internal/secret's header: version 1, key ID
	var found []string
	st, err := openToolStore(ctx, dataDir, dk)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	err = st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, tbl := range tables {
			rows, err := tx.Query(ctx, `SELECT * FROM "`+tbl+`"`)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			hits := map[string]bool{}
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				canary := tbl == "server_meta" && fmt.Sprint(vals[0]) == "root-key-canary"
				for i, v := range vals {
					if b, ok := v.([]byte); ok && !canary && bytes.Contains(b, header) {
						hits[tbl+"."+cols[i]] = true
					}
				}
			}
			rows.Close()
			for h := range hits {
				found = append(found, h)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch name := d.Name(); {
		case strings.HasPrefix(name, "stratus.db"), name == datakey.FileName, name == "lock", name == "credentials":
			return nil
		}
		if d.Type()&fs.ModeType != 0 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, header) {
			rel, _ := filepath.Rel(dataDir, path)
			found = append(found, rel)
		}
		return nil
	})
	return found, err
}
