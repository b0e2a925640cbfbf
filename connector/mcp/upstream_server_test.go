//lint:file-ignore SA1019 an upstream's sampling and logging (deprecated in 2026-07-28, still in use) are relayed as they are

package mcp_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The test binary doubles as a small MCP server, built with the Go SDK,
// that the tests connect as a stdio upstream: run with
// AOS_MCP_TEST_UPSTREAM=1 in its environment (which the connection's
// credential provides), it serves testServer on stdin/stdout.
func TestMain(m *testing.M) {
	if os.Getenv("AOS_MCP_TEST_UPSTREAM") == "1" {
		if f := os.Getenv("AOS_MCP_TEST_FAIL_FILE"); f != "" {
			if _, err := os.Stat(f); err == nil {
				fmt.Fprintln(os.Stderr, "test upstream: told to fail")
				os.Exit(3)
			}
		}
		if f := os.Getenv("AOS_MCP_TEST_PIDFILE"); f != "" {
			_ = os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o600)
		}
		fmt.Fprintln(os.Stderr, "test upstream started") // goes to the server log
		if err := testServer().Run(context.Background(), &sdk.StdioTransport{}); err != nil {
			fmt.Fprintln(os.Stderr, "test upstream:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type echoArgs struct {
	Msg string `json:"msg"`
}

type sleepArgs struct {
	MS int `json:"ms"`
}

// testServer is the test upstream. Its tools:
//
//	echo      read-only (annotated): answers its msg
//	send      no annotations: answers "sent" and its msg
//	sleep     read-only: waits ms milliseconds, telling progress
//	ask       read-only: asks the client to sample, answers what it said
//	elicit    read-only: asks the client for a name
//	env       read-only: says which variables it sees (names only)
//	mutable   read-only: its description is the content of the file
//	          $AOS_MCP_TEST_DESC_FILE when it is set
//	extra     read-only, offered only while $AOS_MCP_TEST_EXTRA_FILE exists
//
// With AOS_MCP_TEST_RESOURCES=1 it also offers subscribable resources
// (see addResources).
func testServer() *sdk.Server {
	var opts *sdk.ServerOptions
	var subs *subscriptions
	if os.Getenv("AOS_MCP_TEST_RESOURCES") == "1" {
		subs = &subscriptions{}
		opts = &sdk.ServerOptions{
			SubscribeHandler: func(_ context.Context, req *sdk.SubscribeRequest) error {
				subs.mu.Lock()
				defer subs.mu.Unlock()
				subs.subscribes = append(subs.subscribes, req.Params.URI)
				return nil
			},
			UnsubscribeHandler: func(_ context.Context, req *sdk.UnsubscribeRequest) error {
				subs.mu.Lock()
				defer subs.mu.Unlock()
				subs.unsubscribes = append(subs.unsubscribes, req.Params.URI)
				return nil
			},
		}
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "aos-test-upstream", Version: "1.0.0"}, opts)
	if subs != nil {
		addResources(s, subs)
	}
	ro := &sdk.ToolAnnotations{ReadOnlyHint: true}
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "Answers its message.", Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, a echoArgs) (*sdk.CallToolResult, any, error) {
			return text("echo: " + a.Msg), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "send", Description: "Sends its message."},
		func(ctx context.Context, req *sdk.CallToolRequest, a echoArgs) (*sdk.CallToolResult, any, error) {
			return text("sent: " + a.Msg), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "sleep", Description: "Waits.", Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, a sleepArgs) (*sdk.CallToolResult, any, error) {
			if tok := req.Params.GetProgressToken(); tok != nil {
				_ = req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: tok, Progress: 1, Total: 2, Message: "halfway"})
			}
			_ = req.Session.Log(ctx, &sdk.LoggingMessageParams{Level: "info", Data: "sleeping"})
			if f := os.Getenv("AOS_MCP_TEST_PIDFILE"); f != "" {
				_ = os.WriteFile(f+".sleeping", nil, 0o600) // the test kills it now
			}
			select {
			case <-time.After(time.Duration(a.MS) * time.Millisecond):
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
			return text("slept"), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "ask", Description: "Asks the client's model.", Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, a echoArgs) (*sdk.CallToolResult, any, error) {
			res, err := req.Session.CreateMessage(ctx, &sdk.CreateMessageParams{MaxTokens: 10,
				Messages: []*sdk.SamplingMessage{{Role: "user", Content: &sdk.TextContent{Text: a.Msg}}}})
			if err != nil {
				return errorText("sampling failed: " + err.Error()), nil, nil
			}
			t, _ := res.Content.(*sdk.TextContent)
			if t == nil {
				return errorText("sampling answered no text"), nil, nil
			}
			return text("model said: " + t.Text), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "elicit", Description: "Asks the user for a name.", Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, _ any) (*sdk.CallToolResult, any, error) {
			res, err := req.Session.Elicit(ctx, &sdk.ElicitParams{Message: "Your name?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}})
			if err != nil {
				return errorText("elicitation failed: " + err.Error()), nil, nil
			}
			return text(fmt.Sprintf("user %s: %v", res.Action, res.Content["name"])), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "env", Description: "Names the variables it sees.", Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, _ any) (*sdk.CallToolResult, any, error) {
			var seen string
			for _, n := range []string{"UPSTREAM_SECRET", "AOS_TEST_SERVER_ONLY", "PATH"} {
				if _, ok := os.LookupEnv(n); ok {
					seen += n + " "
				}
			}
			return text("env: " + seen), nil, nil
		})
	desc := "Changes its description."
	if f := os.Getenv("AOS_MCP_TEST_DESC_FILE"); f != "" {
		if b, err := os.ReadFile(f); err == nil {
			desc = string(b)
		}
	}
	sdk.AddTool(s, &sdk.Tool{Name: "mutable", Description: desc, Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, _ any) (*sdk.CallToolResult, any, error) {
			return text("mutable: " + desc), nil, nil
		})
	if f := os.Getenv("AOS_MCP_TEST_EXTRA_FILE"); f != "" {
		if _, err := os.Stat(f); err == nil {
			sdk.AddTool(s, &sdk.Tool{Name: "extra", Description: "Came later.", Annotations: ro},
				func(ctx context.Context, req *sdk.CallToolRequest, _ any) (*sdk.CallToolResult, any, error) {
					return text("extra"), nil, nil
				})
		}
	}
	return s
}

func text(s string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
}

func errorText(s string) *sdk.CallToolResult {
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: s}}}
}

// subscriptions are what the test upstream was asked to subscribe to and
// unsubscribe from, in order.
type subscriptions struct {
	mu                       sync.Mutex
	subscribes, unsubscribes []string
}

type bumpArgs struct {
	URI string `json:"uri"`
}

// addResources adds two resources, test://counter and test://other, each
// reading "URI N" where N counts its bumps, and the tools
//
//	bump      read-only: bumps the resource at uri and notifies its
//	          subscribers (notifications/resources/updated)
//	subs      read-only: answers the URIs the upstream was asked to
//	          subscribe to and unsubscribe from, in order
func addResources(s *sdk.Server, subs *subscriptions) {
	var mu sync.Mutex
	counts := map[string]int{}
	for _, uri := range []string{"test://counter", "test://other"} {
		s.AddResource(&sdk.Resource{URI: uri, Name: uri, MIMEType: "text/plain"},
			func(_ context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
				mu.Lock()
				defer mu.Unlock()
				return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{
					{URI: uri, MIMEType: "text/plain", Text: fmt.Sprintf("%s %d", uri, counts[uri])}}}, nil
			})
	}
	ro := &sdk.ToolAnnotations{ReadOnlyHint: true}
	sdk.AddTool(s, &sdk.Tool{Name: "bump", Description: "Bumps a resource.", Annotations: ro},
		func(ctx context.Context, req *sdk.CallToolRequest, a bumpArgs) (*sdk.CallToolResult, any, error) {
			mu.Lock()
			counts[a.URI]++
			n := counts[a.URI]
			mu.Unlock()
			if err := s.ResourceUpdated(ctx, &sdk.ResourceUpdatedNotificationParams{URI: a.URI}); err != nil {
				return errorText(err.Error()), nil, nil
			}
			return text(fmt.Sprintf("%s %d", a.URI, n)), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "subs", Description: "Says what it was subscribed to.", Annotations: ro},
		func(context.Context, *sdk.CallToolRequest, any) (*sdk.CallToolResult, any, error) {
			subs.mu.Lock()
			defer subs.mu.Unlock()
			return text(fmt.Sprintf("subscribe %v unsubscribe %v", subs.subscribes, subs.unsubscribes)), nil, nil
		})
}
