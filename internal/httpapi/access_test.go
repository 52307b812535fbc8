package httpapi

import "testing"

// Every access a route may have means something in traits' switch; the zero value (a route that
// forgot to say) and anything else stop the server at start-up instead of making a route public.
func TestAccessTraitsAreExhaustive(t *testing.T) {
	for _, a := range []Access{Public, User, Page, UserSocket, VisitorSocket} {
		signedIn, socket, page := a.traits()
		t.Logf("%s: signed in %v, socket %v, page %v", a, signedIn, socket, page)
	}
	for _, a := range []Access{0, VisitorSocket + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", a)
				}
			}()
			a.traits()
		}()
	}
	for _, rt := range New(Config{}).Routes() {
		if rt.Access < Public || rt.Access > VisitorSocket {
			t.Errorf("%s %s: access %s", rt.Method, rt.Path, rt.Access)
		}
	}
}
