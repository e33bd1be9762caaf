package invoke

import (
	"strings"
	"testing"
	"time"
)

type nopSink struct{ LogSink }

func TestLogLinesAreSplitAtCloudWatchsEventLimit(t *testing.T) {
	p := &Pool{cfg: Config{Logs: nopSink{}, Now: time.Now}, logq: make(chan LogBatch, 100), stop: make(chan struct{})}
	l := newLogWriter(p, &Function{Account: "1", Region: "r"}, "g", "s")
	long := strings.Repeat("x", maxLineBytes*2+10)
	// Written in odd-sized pieces, as a pipe delivers them, then two short lines.
	in := long + "\nshort\n\nlast"
	for len(in) > 0 {
		n := min(len(in), 70001)
		l.Write([]byte(in[:n]))
		in = in[n:]
	}
	l.flushPartial()
	l.mu.Lock()
	l.shipLocked()
	l.mu.Unlock()
	var got []string
	for len(p.logq) > 0 {
		for _, e := range (<-p.logq).Events {
			got = append(got, e.Message)
		}
	}
	want := []int{maxLineBytes, maxLineBytes, 10, 5, 0, 4}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		if len(got[i]) != w {
			t.Errorf("event %d has %d bytes, want %d", i, len(got[i]), w)
		}
	}
	if got[3] != "short" || got[5] != "last" {
		t.Errorf("short lines = %q, %q", got[3], got[5])
	}
}
