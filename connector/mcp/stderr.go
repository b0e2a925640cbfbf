package mcp

import (
	"bytes"
	"log/slog"
	"sync"
)

// stderrLog writes what a stdio upstream prints on stderr to the server's
// log, a line at a time (each bounded), never to an agent.
type stderrLog struct {
	logger *slog.Logger
	conn   string
	mu     sync.Mutex
	buf    []byte
}

// maxStderrLine bounds one logged line; the rest of a longer line is cut.
const maxStderrLine = 4096

func newStderrLog(l *slog.Logger, conn string) *stderrLog { return &stderrLog{logger: l, conn: conn} }

func (w *stderrLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxStderrLine - len(w.buf)
			w.buf = append(w.buf, p[:min(len(p), max(room, 0))]...)
			break
		}
		room := maxStderrLine - len(w.buf)
		w.buf = append(w.buf, p[:min(i, max(room, 0))]...)
		w.flush()
		p = p[i+1:]
	}
	return n, nil
}

func (w *stderrLog) flush() {
	line := bytes.TrimRight(w.buf, "\r")
	if len(line) > 0 {
		w.logger.Info("mcp upstream stderr", "connection", w.conn, "line", string(line))
	}
	w.buf = w.buf[:0]
}
