package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/httpapi"
	"github.com/spf13/pflag"
)

// serveLimits are the flags of `aos serve` that bound what clients can hold
// of the server: connections, timeouts, header and held request sizes, and
// the calls an agent may keep waiting for the owner.
type serveLimits struct {
	http       httpapi.Limits
	maxPending int
	maxHeld    byteSize
}

func limitFlags(fs *pflag.FlagSet) *serveLimits {
	d := httpapi.DefaultLimits
	l := &serveLimits{maxHeld: gateway.DefaultMaxHeldRequest}
	fs.IntVar(&l.maxPending, "max-pending-per-agent", gateway.DefaultMaxPending,
		"calls one agent may have waiting for the owner; more are refused (too_many_pending)")
	fs.Var(&l.maxHeld, "max-held-request",
		"largest request (body, URL and headers) a call may be held with, such as 8MiB; larger ones are refused (too_large)")
	fs.DurationVar(&l.http.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "time to read a request's headers")
	fs.DurationVar(&l.http.ReadTimeout, "read-timeout", d.ReadTimeout, "time to read a whole request, body included")
	fs.DurationVar(&l.http.WriteTimeout, "write-timeout", d.WriteTimeout,
		"time from a request's headers to the end of its answer, upstream call included (long polls extend it to their wait)")
	fs.DurationVar(&l.http.IdleTimeout, "idle-timeout", d.IdleTimeout, "time a keep-alive connection may wait for its next request")
	fs.IntVar(&l.http.MaxHeaderBytes, "max-header-bytes", d.MaxHeaderBytes, "largest request line and headers, in bytes")
	fs.IntVar(&l.http.MaxConns, "max-connections", defaultMaxConns(d.MaxConns),
		"connections served at once; more wait to be accepted (default: the smaller of 256 and half the open file limit)")
	return l
}

// defaultMaxConns keeps the connection limit under half the open file
// limit, so that the store, the log and upstream connections always have
// descriptors left.
func defaultMaxConns(def int) int {
	if n := openFileLimit(); n > 0 && n/2 < def {
		return max(n/2, 1)
	}
	return def
}

// check refuses limits that would turn a bound off.
func (l *serveLimits) check() error {
	h := l.http
	for _, d := range []struct {
		name string
		ok   bool
	}{
		{"--max-pending-per-agent", l.maxPending > 0},
		{"--max-held-request", l.maxHeld > 0},
		{"--read-header-timeout", h.ReadHeaderTimeout > 0},
		{"--read-timeout", h.ReadTimeout > 0},
		{"--write-timeout", h.WriteTimeout > 0},
		{"--idle-timeout", h.IdleTimeout > 0},
		{"--max-header-bytes", h.MaxHeaderBytes > 0},
		{"--max-connections", h.MaxConns > 0},
	} {
		if !d.ok {
			return usagef("%s must be positive", d.name)
		}
	}
	return nil
}

// byteSize is a flag of a size in bytes, written as a number of bytes or
// with a KiB or MiB suffix.
type byteSize int

func (b *byteSize) String() string {
	switch n := int(*b); {
	case n > 0 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n > 0 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	default:
		return strconv.Itoa(n)
	}
}

func (b *byteSize) Type() string { return "size" }

func (b *byteSize) Set(s string) error {
	num, shift := s, 0
	if n, ok := strings.CutSuffix(s, "MiB"); ok {
		num, shift = n, 20
	} else if n, ok := strings.CutSuffix(s, "KiB"); ok {
		num, shift = n, 10
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > (1<<31-1)>>shift {
		return fmt.Errorf("want a size such as 8MiB, 512KiB or 1048576, not %q", s)
	}
	*b = byteSize(n << shift)
	return nil
}
