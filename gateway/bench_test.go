package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
)

// BenchmarkHold measures the latency of a hold while the same agent has
// pending calls with large bodies waiting: "new" holds a call not seen
// before (the owner's denial afterwards is not timed), "retry" holds one
// identical to a waiting call, which joins it. A hold that loads the
// pending approvals grows with their number and size; one that reads the
// index does not.
//
//	go test ./gateway/ -run '^$' -bench BenchmarkHold -benchtime 20x
func BenchmarkHold(b *testing.B) {
	const body = 4 << 20
	for _, pending := range []int{0, 10} {
		h := newHarness(b)
		ctx := context.Background()
		hold := func(cents int64, size int) *aos.Approval {
			out, err := h.gw.Proxy(ctx, h.agent, "pay", &connector.HTTPRequest{
				Method: "POST", RawPath: "/charges", RawQuery: "amount=" + strconv.FormatInt(cents, 10),
				Body: bytes.Repeat([]byte("x"), size),
			}, gateway.Meta{})
			if err != nil || out.Held == nil {
				b.Fatalf("hold: %+v, %v", out, err)
			}
			return out.Held
		}
		for i := range pending {
			hold(1_000_000_00+int64(i), body)
		}
		b.Run(fmt.Sprintf("new/pending=%d/body=%dMiB", pending, body>>20), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				a := hold(2_000_000_00+int64(i), 1024)
				b.StopTimer()
				if _, err := h.gw.Deny(ctx, h.boss, a.ID, "benchmark"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
		if pending > 0 {
			b.Run(fmt.Sprintf("retry/pending=%d/body=%dMiB", pending, body>>20), func(b *testing.B) {
				for b.Loop() {
					hold(1_000_000_00, body)
				}
			})
		}
	}
}
