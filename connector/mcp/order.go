package mcp

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// An upstream sends a call's progress and log notifications before its
// result, and the agent must see them before the result too. The go-sdk
// client delivers the result as soon as it is read, while notifications
// wait in a queue for their handlers; so a stdio session counts the
// notifications it reads (ordered reads) and those it handled, and a call
// returns only once every notification read before its result was handled
// (order.settle).

// order counts a session's progress and log notifications.
type order struct {
	read atomic.Int64 // by the connection, as they arrive

	mu      sync.Mutex
	handled int64
	moved   chan struct{} // closed when handled moves; nil when nobody waits
}

// relayed are the notification methods a call relays.
func relayed(method string) bool {
	return method == "notifications/progress" || method == "notifications/message"
}

// done counts a notification as handled.
func (o *order) done() {
	o.mu.Lock()
	o.handled++
	if o.moved != nil {
		close(o.moved)
		o.moved = nil
	}
	o.mu.Unlock()
}

// settle waits until every notification read so far was handled, for at
// most a second (a handler stuck on a slow agent does not hold the
// result for long) or until ctx ends. It is woken as each is handled.
func (o *order) settle(ctx context.Context) {
	want := o.read.Load()
	var timeout <-chan time.Time
	for {
		o.mu.Lock()
		if o.handled >= want {
			o.mu.Unlock()
			return
		}
		if o.moved == nil {
			o.moved = make(chan struct{})
		}
		moved := o.moved
		o.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(time.Second)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-moved:
		case <-timeout:
			return
		case <-ctx.Done():
			return
		}
	}
}

// countingTransport counts the notifications its connection reads.
type countingTransport struct {
	sdk.Transport
	o *order
}

func (t *countingTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	c, err := t.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Connection: c, o: t.o}, nil
}

type countingConn struct {
	sdk.Connection
	o *order
}

func (c *countingConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	m, err := c.Connection.Read(ctx)
	if r, ok := m.(*jsonrpc.Request); ok && !r.ID.IsValid() && relayed(r.Method) {
		c.o.read.Add(1)
	}
	return m, err
}
