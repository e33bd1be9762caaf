package apitest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Snapshot returns every row of every table whose name starts with one of
// tablePrefixes ("iam_" when none is given), one line a row, sorted, for
// comparing the store before and after a call. A prefix that names no table
// fails t: a snapshot of nothing would compare equal whatever a call did.
func Snapshot(t testing.TB, st *store.Store, tablePrefixes ...string) string {
	t.Helper()
	if len(tablePrefixes) == 0 {
		tablePrefixes = []string{"iam_"}
	}
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		tables, err := tableNames(ctx, tx)
		if err != nil {
			return err
		}
		for _, p := range tablePrefixes {
			n := 0
			for _, tbl := range tables {
				if strings.HasPrefix(tbl, p) {
					n++
				}
			}
			if n == 0 {
				return fmt.Errorf("no table starts with %q", p)
			}
		}
		for _, tbl := range tables {
			if !hasAnyPrefix(tbl, tablePrefixes) {
				continue
			}
			rows, err := tableRows(ctx, tx, tbl)
			if err != nil {
				return err
			}
			lines = append(lines, rows...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	sort.Strings(lines)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func tableNames(ctx context.Context, tx *store.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		tables = append(tables, n)
	}
	return tables, rows.Err()
}

// tableRows returns each row of tbl as "tbl v1 v2 ...", each value written
// by field.
func tableRows(ctx context.Context, tx *store.Tx, tbl string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT * FROM "`+tbl+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		fields := make([]string, len(vals))
		for i, v := range vals {
			fields[i] = field(v)
		}
		lines = append(lines, tbl+" "+strings.Join(fields, " "))
	}
	return lines, rows.Err()
}

// field writes a column value: text and blobs quoted (so a test can search
// the snapshot for a plaintext it must not hold), anything else as %v.
func field(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []byte:
		return strconv.Quote(string(v))
	default:
		return fmt.Sprint(v)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// diff lists the lines only before has ("- ") and only after has ("+ ").
func diff(before, after string) string {
	bl, al := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		bl[l] = true
	}
	for _, l := range strings.Split(after, "\n") {
		al[l] = true
	}
	var out []string
	for l := range bl {
		if !al[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range al {
		if !bl[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
