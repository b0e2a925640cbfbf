package gatewaytest

import (
	"bytes"
	"sync"

	"github.com/aos-dev/aos/connector"
)

// Recorder keeps what a connector is asked along the pipeline: how many
// calls it mapped (FromCall), copies of the calls decided on, how often a
// decided call was read again (Reread), and copies of the calls sent (Do).
// A test's spy embeds its connector, so that the connector's other
// interfaces still show, and a Recorder, and reports each method to it:
//
//	func (s *spy) Reread(c *aos.Connection, d *connector.Call) (*connector.Call, error) {
//		s.NoteReread()
//		return s.Connector.Reread(c, d)
//	}
type Recorder struct {
	mu            sync.Mutex
	mapped        int
	rereads       int
	decided, sent []*connector.Call
}

// NoteMapped records what FromCall returned.
func (r *Recorder) NoteMapped(call *connector.Call, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mapped++
	if err == nil {
		r.decided = append(r.decided, copyCall(call))
	}
}

// NoteReread records a call read again.
func (r *Recorder) NoteReread() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rereads++
}

// NoteSent records a call sent.
func (r *Recorder) NoteSent(call *connector.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, copyCall(call))
}

// Counts returns how many calls were mapped, read again and sent.
func (r *Recorder) Counts() (mapped, rereads, sent int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mapped, r.rereads, len(r.sent)
}

// Decided returns the calls decided on, as mapped, oldest first.
func (r *Recorder) Decided() []*connector.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*connector.Call(nil), r.decided...)
}

// Sent returns the calls sent, as sent, oldest first.
func (r *Recorder) Sent() []*connector.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*connector.Call(nil), r.sent...)
}

// copyCall copies call and its upstream request, so that what the
// pipeline does to the call afterwards does not change the record.
func copyCall(call *connector.Call) *connector.Call {
	c := *call
	if call.Upstream != nil {
		up := *call.Upstream
		up.Header = call.Upstream.Header.Clone()
		up.Body = bytes.Clone(call.Upstream.Body)
		c.Upstream = &up
	}
	return &c
}
