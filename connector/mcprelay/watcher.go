package mcprelay

import "context"

// Watcher is one agent's MCP session as far as an upstream's resource
// updates reach it: the mcp connector calls ResourceUpdated for each
// notifications/resources/updated of a URI the watcher subscribed to (on
// connection connID, the URI as the upstream names it), until the watcher
// unsubscribes or is released. The watcher decides, when it is called,
// whether its agent may still hear of the resource, and passes the update
// to its session or drops it. Implementations must be safe for concurrent
// use and must not block for long.
type Watcher interface {
	ResourceUpdated(ctx context.Context, connID int64, uri string)
}

type watcherKey struct{}

// WithWatcher returns ctx carrying w: a resources/subscribe or
// resources/unsubscribe call made with it subscribes or unsubscribes w.
func WithWatcher(ctx context.Context, w Watcher) context.Context {
	return context.WithValue(ctx, watcherKey{}, w)
}

// WatcherFrom returns the Watcher ctx carries, or nil.
func WatcherFrom(ctx context.Context) Watcher {
	w, _ := ctx.Value(watcherKey{}).(Watcher)
	return w
}
