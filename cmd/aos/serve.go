package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/email"
	"github.com/aos-dev/aos/connector/ga4"
	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/hubspot"
	"github.com/aos-dev/aos/connector/mcp"
	"github.com/aos-dev/aos/connector/postgres"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/connector/slack"
	"github.com/aos-dev/aos/connector/stripe"
	"github.com/aos-dev/aos/console"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/mcpapi"
	"github.com/aos-dev/aos/metrics"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
	"github.com/spf13/cobra"
)

// connectors is every connector type the binary knows.
func connectors() connector.Registry {
	r := connector.Registry{}
	for _, c := range []connector.Connector{rest.New(), stripe.New(), github.New(), hubspot.New(), slack.New(), email.New(), ga4.New(), postgres.New(), mcp.New()} {
		r[c.Type()] = c
	}
	return r
}

func init() { register(newServeCmd) }

func newServeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the gateway, the owner API and the console (initialises an empty home)",
		Long: `Serve agents (HTTP proxy, /v1/call, MCP), the owner API and the web console.
An empty home is initialised first (as aos init). The store is the one the home
records; --store, if given, must name that same store.`,
		Example: `  aos serve
  aos serve --listen 127.0.0.1:7070 --notify-webhook https://hooks.example.com/aos
  aos serve --home /srv/aos-a --store postgres://aos@db/aos`,
		Args: noArgs,
	}
	fs := cmd.Flags()
	listen := fs.String("listen", "127.0.0.1:7070", "address to listen on")
	storeURL := fs.String("store", "", "store URL (default: the home's store; or $AOS_STORE)")
	checkpoints := fs.String("checkpoint-file", "", "file that keeps a copy of the signed checkpoints the store keeps")
	keyFile := signingKeyFlag(fs)
	stateEvery := fs.Duration("state-check", time.Minute, "how often the running server proves its store against the evidence log (0: only at start)")
	webhook := fs.String("notify-webhook", "", "URL to post to when a call is held (or $AOS_NOTIFY_WEBHOOK)")
	expiry := fs.Duration("approval-expiry", 72*time.Hour, "how long a held call waits for the owner")
	hostSuffix := fs.String("proxy-host-suffix", "localhost", "route NAME.<suffix> hosts to connection NAME (empty: off)")
	mcpHosts := fs.StringSlice("mcp-hosts", nil, "names, besides loopback and the address listened on, that /mcp accepts as Host and Origin (comma-separated)")
	reviewEvery := fs.Duration("review-every", secinfra.DefaultReviewEvery, "how often the server runs the access review and stores its report (0: never)")
	reviewWindow := fs.Duration("review-window", secinfra.DefaultReviewWindow, "the access review's tracking window")
	metricsListen := fs.String("metrics-listen", "", "also serve /metrics without a token on this address, for a scraper on a private network (default: off; the main address serves it to the owner's and auditors' tokens)")
	limits := limitFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return serve(cmd.Context(), e, serveOptions{listen: *listen, storeURL: *storeURL, checkpoints: *checkpoints,
			keyFile: *keyFile, stateEvery: *stateEvery, webhook: *webhook, expiry: *expiry, hostSuffix: *hostSuffix,
			mcpHosts: *mcpHosts, reviewEvery: *reviewEvery, reviewWindow: *reviewWindow, limits: limits, metricsListen: *metricsListen})
	}
	return cmd
}

// serveOptions are the flags of aos serve.
type serveOptions struct {
	listen, storeURL, checkpoints, keyFile, webhook, hostSuffix string
	stateEvery, expiry, reviewEvery, reviewWindow               time.Duration
	mcpHosts                                                    []string
	limits                                                      *serveLimits
	metricsListen                                               string
}

func serve(ctx context.Context, e *env, o serveOptions) error {
	limits := o.limits
	if err := limits.check(); err != nil {
		return err
	}
	if o.reviewEvery < 0 || o.reviewWindow <= 0 {
		return usagef("--review-every must not be negative and --review-window must be positive")
	}
	if o.expiry <= 0 {
		return usagef("--approval-expiry must be positive")
	}
	h, err := resolveHome(e)
	if err != nil {
		return err
	}
	// The address first: a busy port fails before anything in the home is
	// created or changed.
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return withHint(fmt.Errorf("cannot listen on %s: %w", o.listen, errors.Unwrap(err)),
			"another server holds the address (another aos serve?); pick another with --listen; nothing in "+h.dir+" was created or changed")
	}
	defer ln.Close()
	var metricsLn net.Listener
	if o.metricsListen != "" {
		if metricsLn, err = net.Listen("tcp", o.metricsListen); err != nil {
			return withHint(fmt.Errorf("cannot listen on %s: %w", o.metricsListen, errors.Unwrap(err)),
				"pick another address with --metrics-listen; nothing in "+h.dir+" was created or changed")
		}
		defer metricsLn.Close()
	}
	if o.storeURL == "" {
		o.storeURL = e.getenv("AOS_STORE")
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	if !h.exists() {
		res, err := initialise(ctx, e, h, o.storeURL, o.checkpoints, o.keyFile)
		if err != nil {
			return err
		}
		logger.Info("initialised a new instance", "home", h.dir, "owner_token_file", h.path(ownerTokenFile),
			"public_key", res.publicKey)
	}
	master, err := h.masterKey(e)
	if err != nil {
		return err
	}
	v, err := vault.New(master)
	if err != nil {
		return err
	}
	storeURL, err := h.instanceStore(o.storeURL)
	if err != nil {
		return err
	}
	st, err := openStore(h, storeURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkMasterKey(ctx, st, v); err != nil {
		return err
	}
	meter := metrics.New()
	log, err := openLog(e, h, st, o.checkpoints, o.keyFile, func(c *evidence.Config) { c.Observer = meter })
	if err != nil {
		return err
	}
	defer log.Close()
	if err := log.CheckState(ctx); err != nil {
		return withHint(fmt.Errorf("refusing to serve: %w", err),
			"the store was changed outside aos; run `aos evidence verify` to find the rows the evidence log does not explain")
	}
	reg := connectors()
	// The mcp connector supervises stdio upstreams: their stderr goes to
	// the server's log, and they stop when the server does.
	upstreams := mcp.New(mcp.WithLogger(logger))
	reg[upstreams.Type()] = upstreams
	defer upstreams.Close()
	if o.webhook == "" {
		o.webhook = e.getenv("AOS_NOTIFY_WEBHOOK")
	}
	// Everything written through counted is counted in the metrics.
	counted := meter.Log(log)
	approvals := &approval.Service{Store: st, Log: counted, Vault: v, Now: time.Now, Expiry: o.expiry, Logger: logger, Observer: meter}
	if o.webhook != "" {
		approvals.Notify = &approval.Webhook{URL: o.webhook, Logger: logger}
	}
	gw := &gateway.Gateway{Store: st, Log: counted, Vault: v, Connectors: reg, Approvals: approvals, Now: time.Now, Logger: logger,
		MaxPending: limits.maxPending, MaxHeldRequest: int(limits.maxHeld), Observer: meter}
	if err := gw.Resume(ctx); err != nil {
		return fmt.Errorf("resuming approved calls: %w", err)
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go approvals.RunExpiry(bg, 30*time.Second)
	go gw.RunResume(bg, 30*time.Second)
	tampered := make(chan error, 1)
	if o.stateEvery > 0 {
		go watchState(bg, log, o.stateEvery, logger, tampered)
	}
	own := &owner.Service{Store: st, Log: counted, Vault: v, Connectors: reg, Now: time.Now, Logger: logger}
	review := &secinfra.Reviewer{Store: st, Log: counted, Entries: log, Connectors: reg, Now: time.Now, Window: o.reviewWindow}
	if o.reviewEvery > 0 {
		sched := &secinfra.ReviewScheduler{Reviewer: review, Every: o.reviewEvery, Clock: wallClock{}, Logger: logger}
		if hook, ok := approvals.Notify.(*approval.Webhook); ok {
			sched.Announce = hook // counts and an entry index, never a finding's detail
		}
		go sched.Run(bg)
	}
	api := &httpapi.Server{Gateway: gw, Owner: own, Evidence: log, Review: review, Logger: logger, ProxyHostSuffix: o.hostSuffix,
		Console: &console.Console{Gateway: gw, Owner: own, Review: review, Evidence: log, Logger: logger},
		Metrics: meter.Handler()}
	api.MCP = &mcpapi.Server{Gateway: gw, Logger: logger, Hosts: o.mcpHosts}

	url := "http://" + ln.Addr().String()
	if metricsLn != nil {
		// Said before server.url is written: that file is what tells a
		// waiting script (or test) that the server is up.
		logger.Info("aos serving metrics without a token", "url", "http://"+metricsLn.Addr().String()+"/metrics")
	}
	if err := writeAtomic(h.path(serverURLFile), []byte(url+"\n"), 0o644); err != nil {
		return err
	}
	srv := api.HTTPServer(limits.http, slog.NewLogLogger(logger.Handler(), slog.LevelWarn))
	ln = limits.http.Listen(ln)
	logger.Info("aos serving", "url", url, "home", h.dir)
	fmt.Fprintf(e.stdout, "aos serving on %s\n", url)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if metricsLn != nil {
		msrv := api.MetricsServer(slog.NewLogLogger(logger.Handler(), slog.LevelWarn))
		defer msrv.Close()
		go func() { errc <- msrv.Serve(limits.http.Listen(metricsLn)) }()
	}
	var stopped error
	select {
	case err := <-errc:
		return err
	case err := <-tampered:
		stopped = withHint(fmt.Errorf("refusing to serve: %w", err),
			"the store was changed outside aos while serving; run `aos evidence verify` to find the rows the evidence log does not explain")
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	logger.Info("aos stopped")
	return stopped
}

// writeAtomic replaces a file so that readers see the old or the new
// contents, never a partial write.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// wallClock is the real time, for the review schedule.
type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
