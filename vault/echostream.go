package vault

import "io"

// echoChunk is the most an EchoReader reads from its source at a time;
// it starts at echoFirst and doubles each time a read fills what it gave,
// so a short answer costs a small buffer and a long one reads in chunks.
const (
	echoChunk = 32 << 10
	echoFirst = 2 << 10
)

// EchoReader is an io.Reader that passes on what its source reads with
// every form of the secret replaced, as Redact does on the whole, while
// holding only a window of the stream: a form split across two reads of
// the source is still found, because the last len(longest form)-1 bytes
// read are kept back until more arrive (or the source ends). Found
// reports whether a form was replaced so far.
type EchoReader struct {
	e     *EchoRedactor
	src   io.Reader
	buf   []byte // read from src, not yet redacted
	out   []byte // redacted, not yet returned
	err   error  // src's error once it returned one
	next  int    // how much the next read from src asks for (echoFirst..echoChunk)
	found bool
}

// Reader returns an EchoReader of src.
func (e *EchoRedactor) Reader(src io.Reader) *EchoReader {
	return &EchoReader{e: e, src: src}
}

// Found reports whether a form of the secret was replaced so far.
func (r *EchoReader) Found() bool { return r.found }

func (r *EchoReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			if len(r.buf) > 0 {
				r.redact(len(r.buf)) // the end: nothing more can complete a form
				continue
			}
			return 0, r.err
		}
		if r.e.r == nil {
			return r.src.Read(p) // nothing to look for
		}
		if r.next == 0 {
			r.next = echoFirst
		}
		if cap(r.buf)-len(r.buf) < r.next {
			grown := make([]byte, len(r.buf), len(r.buf)+r.next)
			copy(grown, r.buf)
			r.buf = grown
		}
		asked := cap(r.buf) - len(r.buf)
		n, err := r.src.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+n]
		if n == asked && r.next < echoChunk {
			r.next *= 2
		}
		if err != nil {
			r.err = err
			continue
		}
		// A form that starts before cut ends inside buf; one that starts
		// at cut or later may not have arrived whole.
		if cut := len(r.buf) - (len(r.e.forms[0]) - 1); cut > 0 {
			r.redact(cut)
		}
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// redact moves buf's bytes before cut (and the rest of a form that starts
// before cut) to out, every form replaced. A form starting before cut
// lies wholly in buf (cut leaves room for the longest).
func (r *EchoReader) redact(cut int) {
	buf := r.buf
	end := cut
	if !r.e.occurs(buf) {
		// No form anywhere in buf: what is before cut passes as it is.
		r.out = append(r.out[:0], buf[:cut]...)
	} else {
		// Rare (an echo): match form by form, longest first at each
		// position, as the Replacer does.
		out := r.out[:0]
		i := 0
	scan:
		for i < cut {
			for _, f := range r.e.forms {
				if buf[i] == f[0] && len(buf)-i >= len(f) && string(buf[i:i+len(f)]) == f {
					out = append(out, r.e.replacement...)
					i += len(f)
					r.found = true
					continue scan
				}
			}
			out = append(out, buf[i])
			i++
		}
		end = i
		r.out = out
	}
	r.buf = append(r.buf[:0], buf[end:]...)
}
