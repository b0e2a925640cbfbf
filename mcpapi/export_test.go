package mcpapi

// FastCalls is how many tools/call the fast path answered (fast.go).
func FastCalls(s *Server) int64 { return s.fastCalls.Load() }

// FastSession reports whether the fast path knows session id (it does
// once the go-sdk handled the client's notifications/initialized, which
// it does asynchronously).
func FastSession(s *Server, id string) bool {
	_, ok := s.fast.Load(id)
	return ok
}
