package invoke

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Limits on what one environment's log lines hold in memory before shipping.
// With the log queue's length they bound the memory a flooding function can
// make the server hold (about logQueueLen x maxBatchBytes) before its own
// writes block.
const (
	// maxLineBytes is CloudWatch Logs' event limit (256 KiB including 26
	// bytes of overhead); longer lines are split, as Lambda does.
	maxLineBytes  = 256<<10 - 26
	maxBatchLines = 1000
	maxBatchBytes = 256 << 10
	logQueueLen   = 64
)

// logWriter turns an environment's output into log events: it splits lines,
// adds the platform's START, END and REPORT lines, keeps the tail of the current
// invocation for X-Amz-Log-Result and ships events to the pool's LogSink in
// batches, off the invoke path.
type logWriter struct {
	p                              *Pool
	account, region, group, stream string

	mu         sync.Mutex // guards the fields below
	partial    []byte
	events     []LogEvent
	batchBytes int
	tailBuf    []byte
}

func newLogWriter(p *Pool, f *Function, group, stream string) *logWriter {
	return &logWriter{p: p, account: f.Account, region: f.Region, group: group, stream: stream}
}

func (l *logWriter) start(reqID, version string) {
	l.mu.Lock()
	l.tailBuf = l.tailBuf[:0]
	l.mu.Unlock()
	l.line(fmt.Sprintf("START RequestId: %s Version: %s", reqID, version))
}

// Write takes the function's raw output (the sandbox copies stdout and stderr
// here). Output written just before the function answers may arrive after the
// invocation's tail was taken; it still reaches the log stream.
func (l *logWriter) Write(b []byte) (int, error) {
	n := len(b)
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(b) > 0 {
		i := indexByte(b, '\n')
		end := i
		if i < 0 {
			end = len(b)
		}
		// Take at most what fills the current line to maxLineBytes.
		take := min(end, maxLineBytes-len(l.partial))
		l.partial = append(l.partial, b[:take]...)
		b = b[take:]
		switch {
		case take == i: // the line ends here
			b = b[1:]
		case len(l.partial) < maxLineBytes:
			continue // no newline yet; wait for more
		}
		l.lineLocked(string(l.partial))
		l.partial = l.partial[:0]
	}
	return n, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// flushPartial turns an unterminated last line into an event.
func (l *logWriter) flushPartial() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.lineLocked(string(l.partial))
		l.partial = l.partial[:0]
	}
}

func (l *logWriter) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lineLocked(s)
}

func (l *logWriter) lineLocked(s string) {
	l.events = append(l.events, LogEvent{Time: l.p.cfg.Now(), Message: s})
	l.batchBytes += len(s)
	l.tailBuf = append(l.tailBuf, s...)
	l.tailBuf = append(l.tailBuf, '\n')
	if len(l.tailBuf) > 2*maxTail {
		l.tailBuf = append(l.tailBuf[:0], l.tailBuf[len(l.tailBuf)-maxTail:]...)
	}
	if len(l.events) >= maxBatchLines || l.batchBytes >= maxBatchBytes {
		l.shipLocked()
	}
}

// finish writes END and REPORT and ships the invocation's events.
func (l *logWriter) finish(reqID string, dur time.Duration, f *Function, peak int64, initDur time.Duration, cold bool) {
	l.line("END RequestId: " + reqID)
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		reqID, float64(dur.Microseconds())/1000, billedMs(dur), f.MemoryMB, (peak+(1<<20)-1)>>20)
	if cold && initDur > 0 {
		report += fmt.Sprintf("Init Duration: %.2f ms\t", float64(initDur.Microseconds())/1000)
	}
	l.line(report)
	l.mu.Lock()
	l.shipLocked()
	l.mu.Unlock()
}

func (l *logWriter) shipLocked() {
	if len(l.events) == 0 || l.p.cfg.Logs == nil {
		l.events, l.batchBytes = l.events[:0], 0
		return
	}
	b := LogBatch{Account: l.account, Region: l.region, Group: l.group, Stream: l.stream, Events: l.events}
	l.events, l.batchBytes = nil, 0
	l.p.ship(b)
}

// tail returns the last 4 KB of the current invocation's log, if wanted.
func (l *logWriter) tail(want bool) []byte {
	if !want {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tailBuf
	if len(t) > maxTail {
		t = t[len(t)-maxTail:]
	}
	return append([]byte(nil), t...)
}

// ship queues a batch for the log shipper; it blocks when the shipper is behind
// (backpressure instead of unbounded memory).
func (p *Pool) ship(b LogBatch) {
	select {
	case p.logq <- b:
	case <-p.stop:
	}
}

// shipLogs delivers queued batches to the LogSink until the pool stops, then
// delivers what is left. It gathers batches for up to shipDelay (or until
// maxShipBatches or maxShipBytes) and merges those of one stream, so a busy
// pool pays one store commit, and one group and stream lookup per stream, for
// many invocations' lines. Logs reach CloudWatch Logs that much later, which
// its readers, eventually consistent on AWS too, do not notice.
func (p *Pool) shipLogs() {
	defer p.wg.Done()
	deliver := func(bs []LogBatch) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.cfg.Logs.Append(ctx, mergeBatches(bs)); err != nil {
			p.cfg.Logger.Warn("ship function logs", "batches", len(bs), "err", err)
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var pending []LogBatch
		select {
		case b := <-p.logq:
			pending = append(pending, b)
		case <-p.stop:
			p.shipRest(deliver)
			return
		}
		size := batchBytes(pending[0])
		timer.Reset(shipDelay)
	gather:
		for len(pending) < maxShipBatches && size < maxShipBytes {
			select {
			case b := <-p.logq:
				pending = append(pending, b)
				size += batchBytes(b)
			case <-timer.C:
				break gather
			case <-p.stop:
				break gather
			}
		}
		timer.Stop()
		deliver(pending)
	}
}

// shipRest delivers whatever is queued when the pool stops.
func (p *Pool) shipRest(deliver func([]LogBatch)) {
	for {
		var bs []LogBatch
		for len(bs) < maxShipBatches {
			select {
			case b := <-p.logq:
				bs = append(bs, b)
				continue
			default:
			}
			break
		}
		if len(bs) == 0 {
			return
		}
		deliver(bs)
	}
}

// Bounds of one delivery to the LogSink.
const (
	shipDelay      = 50 * time.Millisecond
	maxShipBatches = 256
	maxShipBytes   = 4 << 20
)

func batchBytes(b LogBatch) int {
	n := 0
	for _, e := range b.Events {
		n += len(e.Message)
	}
	return n
}

// mergeBatches joins the batches of each stream, keeping their order.
func mergeBatches(bs []LogBatch) []LogBatch {
	out := make([]LogBatch, 0, len(bs))
	at := make(map[[4]string]int, len(bs))
	for _, b := range bs {
		k := [4]string{b.Account, b.Region, b.Group, b.Stream}
		if i, ok := at[k]; ok {
			out[i].Events = append(out[i].Events, b.Events...)
			continue
		}
		at[k] = len(out)
		out = append(out, b)
	}
	return out
}
