package apitest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/store"
)

// recorder is a testing.TB that keeps what it is told to report.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// fatal is what recorder.Fatalf panics with, to stop the caller as
// testing.T's Fatalf would.
type fatal struct{}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(fatal{})
}

// run calls f with r and returns what r was told, f stopping at a Fatalf.
func (r *recorder) run(f func(testing.TB)) []string {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(fatal); !ok {
				panic(p)
			}
		}
	}()
	f(r)
	return r.errors
}

func TestSnapshot(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	err := env.Store.Update(ctx, func(tx *store.Tx) error {
		for _, q := range []string{
			`CREATE TABLE zz_b (k TEXT, v BLOB)`,
			`CREATE TABLE zz_a (k TEXT, n INTEGER)`,
			`CREATE TABLE other (k TEXT)`,
			`INSERT INTO zz_b VALUES ('2', x'00416c6c')`,
			`INSERT INTO zz_a VALUES ('b', 2), ('a', 1)`,
			`INSERT INTO other VALUES ('hidden')`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("it lists every row of the tables with the prefixes, sorted, text and blobs quoted", func(t *testing.T) {
		want := "zz_a \"a\" 1\nzz_a \"b\" 2\nzz_b \"2\" \"\\x00All\"\n"
		if got := apitest.Snapshot(t, env.Store, "zz_"); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("without prefixes it is the iam_ tables, the bootstrap account among them", func(t *testing.T) {
		got := apitest.Snapshot(t, env.Store)
		if !strings.Contains(got, env.Account) || strings.Contains(got, "hidden") || strings.Contains(got, "zz_") {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a prefix that names no table fails, as its snapshot would compare equal whatever happened", func(t *testing.T) {
		r := &recorder{TB: t}
		r.run(func(tb testing.TB) { apitest.Snapshot(tb, env.Store, "zz_", "nosuch_") })
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], `"nosuch_"`) {
			t.Errorf("reported %v", r.errors)
		}
	})
	t.Run("it changes when a row does", func(t *testing.T) {
		before := apitest.Snapshot(t, env.Store, "zz_", "other")
		err := env.Store.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE other SET k = 'seen'`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if after := apitest.Snapshot(t, env.Store, "zz_", "other"); after == before {
			t.Errorf("unchanged: %s", after)
		}
	})
}

func TestCheckOps(t *testing.T) {
	env := apitest.New(t)
	api := env.Services["sts"]
	var all []string
	for op := range api.Ops {
		all = append(all, op)
	}
	for _, tc := range []struct {
		name string
		ops  []string
		want []string // substrings of the one error, none when empty
	}{
		{"every served operation named once passes", all, nil},
		{"a served operation without a case is reported", all[1:], []string{all[0] + " (0 cases)"}},
		{"an operation named twice is reported", append([]string{all[0]}, all...), []string{all[0] + " (2 cases)"}},
		{"an operation the API does not serve is reported", append([]string{"Nope"}, all...), []string{"Nope (not served)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			r.run(func(tb testing.TB) { apitest.CheckOps(tb, api, tc.ops) })
			if len(tc.want) == 0 {
				if len(r.errors) != 0 {
					t.Errorf("reported %v", r.errors)
				}
				return
			}
			if len(r.errors) != 1 {
				t.Fatalf("reported %v, want one error", r.errors)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errors[0], w) {
					t.Errorf("got %q, want it to name %q", r.errors[0], w)
				}
			}
		})
	}
}

func TestAllowDoc(t *testing.T) {
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":["arn:a","arn:b"]}]}`
	if got := apitest.AllowDoc("sqs:SendMessage", "arn:a", "arn:b"); got != want {
		t.Errorf("got %s", got)
	}
}
