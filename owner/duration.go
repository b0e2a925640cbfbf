package owner

import (
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// ParseDuration parses an expiry such as "30d", "2w", "12h" or "90m": Go
// durations plus d (days) and w (weeks), which are what grants are usually
// given for.
func ParseDuration(s string) (time.Duration, error) {
	bad := aos.Errorf(aos.EBadRequest, "bad duration %q: use a number with d, w, h or m, such as 30d", s)
	for unit, mul := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			v, err := strconv.ParseInt(n, 10, 32)
			if err != nil || v <= 0 {
				return 0, bad
			}
			return time.Duration(v) * mul, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}
