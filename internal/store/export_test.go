package store

// SearchBounds sets the bounds that choose how a search runs (crm.go) until the returned function
// restores them, so tests take every way with little data.
func SearchBounds(sel, hash int) (restore func()) {
	s, h := selective, hashable
	selective, hashable = sel, hash
	return func() { selective, hashable = s, h }
}
