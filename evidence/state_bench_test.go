package evidence

import (
	"fmt"
	"testing"

	"github.com/aos-dev/aos"
)

// BenchmarkState_Digest is the cost a batch that changes one row pays to
// state the new digest, by the number of rows in the state (grants,
// mostly): it should not grow with them.
func BenchmarkState_Digest(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		s := NewState()
		for i := range n {
			s.Apply(GrantImage(&aos.Grant{ID: fmt.Sprintf("g_%08d", i), ConnectionID: 1, Scope: "/v1/x", Access: aos.Read}), -1)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				w := newWorkState(s)
				w.apply(GrantImage(&aos.Grant{ID: "g_new", ConnectionID: 1, Scope: "/v1/y", Access: aos.Write}))
				_ = w.digest()
			}
		})
	}
}
