package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// killChildEnv, when set in the environment of this test binary, makes it
// the child of TestAcknowledgedUpdatesSurviveKill9: it updates the database
// named by the variable until it is killed, instead of running tests.
const killChildEnv = "STRATUS_STORE_KILL_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(killChildEnv); path != "" {
		os.Exit(runKillChild(path))
	}
	os.Exit(m.Run())
}

// killMigrations make two tables that every child update writes together.
var killMigrations = []store.Migration{{Version: 1, SQL: `
	CREATE TABLE kill_ids (id INTEGER PRIMARY KEY);
	CREATE TABLE kill_mirror (id INTEGER PRIMARY KEY);
`}}

// runKillChild updates as fast as it can from 8 goroutines and prints the
// id of each acknowledged Update on its own line, until it is killed.
func runKillChild(path string) int {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := s.Migrate(ctx, "kill", killMigrations); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var next atomic.Int64
	err = s.View(ctx, func(tx *store.Tx) error {
		var max int64
		err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM kill_ids`).Scan(&max)
		next.Store(max)
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				id := next.Add(1)
				err := s.Update(ctx, func(tx *store.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO kill_ids (id) VALUES (?)`, id); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO kill_mirror (id) VALUES (?)`, id)
					return err
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				// One write per line: lines up to PIPE_BUF reach the pipe whole.
				if _, err := os.Stdout.WriteString(strconv.FormatInt(id, 10) + "\n"); err != nil {
					os.Exit(4)
				}
			}
		})
	}
	wg.Wait()
	return 0
}

func TestAcknowledgedUpdatesSurviveKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stratus.db")
	var acked []int64
	for round := range 3 {
		acked = append(acked, killChildOnce(t, path)...)
		checkKillSurvivors(t, path, acked, round)
	}
}

// killChildOnce starts the child, kills it with SIGKILL a random few hundred
// milliseconds after its first acknowledgement and returns the ids it
// acknowledged.
func killChildOnce(t *testing.T, path string) []int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	first := make(chan struct{})
	var acked []int64
	readDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			id, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				readDone <- fmt.Errorf("child printed %q", sc.Text())
				return
			}
			if len(acked) == 0 {
				close(first)
			}
			acked = append(acked, id)
		}
		readDone <- sc.Err()
	}()
	select {
	case <-first:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child acknowledged nothing; stderr:\n%s", stderr.String())
	}
	time.Sleep(time.Duration(50+rand.IntN(250)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	if err := <-readDone; err != nil {
		t.Fatalf("read child: %v", err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not by SIGKILL; stderr:\n%s", err, stderr.String())
	}
	return acked
}

// checkKillSurvivors reopens the database and checks that every
// acknowledged id is there, in both tables, and that the file is sound.
func checkKillSurvivors(t *testing.T, path string, acked []int64, round int) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer s.Close()
	present := map[int64]bool{}
	var mirror, integrity string
	err = s.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM kill_ids`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			present[id] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM kill_ids WHERE id NOT IN (SELECT id FROM kill_mirror)) || '/' ||
			(SELECT COUNT(*) FROM kill_mirror WHERE id NOT IN (SELECT id FROM kill_ids))`).Scan(&mirror)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&integrity)
	})
	if err != nil {
		t.Fatalf("round %d: read back: %v", round, err)
	}
	missing := 0
	for _, id := range acked {
		if !present[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("round %d: %d of %d acknowledged updates lost", round, missing, len(acked))
	}
	if mirror != "0/0" {
		t.Errorf("round %d: ids in one table but not the other (ids/mirror): %s", round, mirror)
	}
	if integrity != "ok" {
		t.Errorf("round %d: integrity_check: %s", round, integrity)
	}
	t.Logf("round %d: %d acknowledged so far, %d rows present", round, len(acked), len(present))
}
