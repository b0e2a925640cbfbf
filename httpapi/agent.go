package httpapi

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
)

func metaOf(r *http.Request) gateway.Meta {
	m := gateway.Meta{
		Purpose:        r.Header.Get("AOS-Purpose"),
		Recommendation: r.Header.Get("AOS-Recommendation"),
	}
	for _, v := range r.Header.Values("AOS-Alternatives") {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				m.Alternatives = append(m.Alternatives, a)
			}
		}
	}
	return m
}

// handleProxy serves ANY /v1/proxy/{connection}/{path...}. The path is
// taken from the raw request target, still escaped.
func (s *Server) handleProxy(w http.ResponseWriter, r *http.Request) error {
	target := strings.TrimPrefix(r.RequestURI, "/v1/proxy/")
	rawPath, rawQuery, _ := strings.Cut(target, "?")
	name, rest, _ := strings.Cut(rawPath, "/")
	if name == "" {
		return aos.Errorf(aos.EUnknownConnection, "no connection named in the path: use /v1/proxy/NAME/...")
	}
	// SDKs given a base URL that ends in "/" ask for "NAME//repos/…": the
	// path after the connection name starts at its first segment either way.
	return s.proxy(w, r, name, "/"+strings.TrimLeft(rest, "/"), rawQuery)
}

// handleHostProxy serves requests whose host is NAME.<ProxyHostSuffix>:
// for SDKs that let you change the host but not a base path, the whole
// path belongs to the upstream.
func (s *Server) handleHostProxy(w http.ResponseWriter, r *http.Request, name string) error {
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	return s.proxy(w, r, name, rawPath, rawQuery)
}

// hostConnection returns the connection a Host header names, if it is
// NAME.<suffix> (port ignored).
func hostConnection(host, suffix string) (string, bool) {
	if suffix == "" {
		return "", false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	name, ok := strings.CutSuffix(strings.ToLower(host), "."+strings.ToLower(suffix))
	if !ok || name == "" || strings.Contains(name, ".") {
		return "", false
	}
	return name, true
}

func (s *Server) proxy(w http.ResponseWriter, r *http.Request, name, rawPath, rawQuery string) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	// The body is decoded: it no longer has the coding or the length the
	// agent's headers state. The request is this handler's own: its header
	// is changed in place.
	header := r.Header
	header.Del("Content-Encoding")
	header.Del("Content-Length")
	req := &connector.HTTPRequest{
		Method: r.Method, RawPath: rawPath, RawQuery: rawQuery, Header: header, Body: body,
	}
	// writeAnswer reads and closes a streamed answer.
	out, err := s.Gateway.Proxy(gateway.StreamAnswers(r.Context()), principalOf(r.Context()), name, req, metaOf(r))
	if err != nil {
		return err
	}
	if out.Held != nil {
		writeHeld(w, out.Held)
		return nil
	}
	s.writeAnswer(w, r, name, out.Response)
	return nil
}

// writeAnswer writes the upstream's answer to a proxied request. Its
// headers are those the gateway let pass (connector.PassAnswerHeaders: an
// allow-list, never what the upstream chose to send); a Location, which
// the gateway left only as a path under the connection's base URL, is put
// under the proxy path the request came in on, so that a client following
// it comes back through the gateway. Content-Length is the length of the
// body as written: the gateway may have decoded or redacted it.
//
// A streamed answer (resp.Stream) is copied to the agent as it arrives,
// without a Content-Length (the redactor may change the length), and
// closed, which records the call's outcome.
func (s *Server) writeAnswer(w http.ResponseWriter, r *http.Request, name string, resp *connector.Response) {
	if resp.Stream != nil {
		defer resp.Stream.Close()
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = append([]string(nil), vs...)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if _, byHost := hostConnection(r.Host, s.ProxyHostSuffix); !byHost {
			h.Set("Location", "/v1/proxy/"+name+loc)
		}
	}
	if resp.Stream != nil {
		h.Del("Content-Length")
		w.WriteHeader(resp.Status)
		if r.Method != http.MethodHead {
			io.Copy(w, resp.Stream) // the agent going away ends it
		}
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		w.Write(resp.Body)
	}
}

// CallResult is the body of a successful POST /v1/call: the upstream's
// answer (see gateway.CallResult).
type CallResult = gateway.CallResult

func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) error {
	var req gateway.CallRequest
	if err := decodeJSON(r, connector.MaxBody, &req); err != nil {
		return err
	}
	out, err := s.Gateway.Call(r.Context(), principalOf(r.Context()), req)
	if err != nil {
		return err
	}
	if out.Held != nil {
		writeHeld(w, out.Held)
		return nil
	}
	writeJSON(w, http.StatusOK, gateway.ResultOf(out.Response))
	return nil
}

func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) error {
	who, err := s.Gateway.WhoAmI(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, who)
	return nil
}

// HeldBody is the 202 answer to a call held at an approval point.
type HeldBody struct {
	ApprovalID     string              `json:"approval_id"`
	ApprovalPoint  aos.ApprovalPoint   `json:"approval_point"`
	ApprovalPoints []aos.ApprovalPoint `json:"approval_points"`
	Status         aos.ApprovalStatus  `json:"status"`
	Poll           string              `json:"poll"`
	ExpiresAt      time.Time           `json:"expires_at"`
	Reasons        []string            `json:"reasons,omitempty"`
}

func writeHeld(w http.ResponseWriter, a *aos.Approval) {
	w.Header().Set("Location", "/v1/approvals/"+a.ID)
	writeJSON(w, http.StatusAccepted, HeldBody{
		ApprovalID: a.ID, ApprovalPoint: a.Points[0], ApprovalPoints: a.Points, Status: a.Status,
		Poll: "/v1/approvals/" + a.ID, ExpiresAt: a.ExpiresAt, Reasons: a.Reasons,
	})
}

// ApprovalState is the answer to GET /v1/approvals/{id}: where a held call
// stands and, once executed, the upstream's answer.
type ApprovalState struct {
	ID     string             `json:"id"`
	Status aos.ApprovalStatus `json:"status"`
	// Code is set when the call will not run or did not: approval_denied,
	// approval_expired, or the failure's code.
	Code   string      `json:"code,omitempty"`
	Reason string      `json:"reason,omitempty"`
	Result *CallResult `json:"result,omitempty"`
}

// DefaultMaxWait bounds a long poll when Server.MaxWait is zero.
const DefaultMaxWait = 5 * time.Minute

func (s *Server) maxWait() time.Duration {
	if s.MaxWait > 0 {
		return s.MaxWait
	}
	return DefaultMaxWait
}

func (s *Server) handleApproval(w http.ResponseWriter, r *http.Request) error {
	var wait time.Duration
	if v := r.URL.Query().Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return aos.Errorf(aos.EBadRequest, "wait must be a duration such as 30s")
		}
		wait = min(d, s.maxWait())
	}
	extendDeadlines(w, wait)
	a, err := s.Gateway.Approvals.Wait(r.Context(), principalOf(r.Context()), r.PathValue("id"), wait)
	if err != nil {
		return err
	}
	st := ApprovalState{ID: a.ID, Status: a.Status, Reason: a.Reason}
	switch a.Status {
	case aos.ApprovalDenied:
		st.Code = aos.EApprovalDenied
	case aos.ApprovalExpired:
		st.Code = aos.EApprovalExpired
	case aos.ApprovalFailed:
		st.Code = a.Error
	case aos.ApprovalExecuted:
		if a.Kind == aos.ApprovalCall {
			resp, err := s.Gateway.OpenResult(a)
			if err != nil {
				return err
			}
			if resp != nil {
				res := gateway.ResultOf(resp)
				st.Result = &res
			}
		}
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
