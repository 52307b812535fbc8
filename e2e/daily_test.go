package e2e

import (
	"testing"
)

// Journeys of a day's work in the inbox and the widget: what a user of other live chat products
// would notice first when it breaks.

// TestInboxAgentsOnline: "Agents online" counts the agents who are available, not every agent
// with the inbox open: a colleague who switches to "Not available" is no longer counted.
func TestInboxAgentsOnline(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	api.must(201, "POST", "/api/v1/users", map[string]string{"email": "jana@parley.test", "name": "Jana Novak", "password": "correct horse battery", "role": "agent"})
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("one agent online", `document.querySelector('.online').textContent.trim() === 'Agents online: 1'`)

	jana := loginAs(t, s, "jana@parley.test", "correct horse battery")
	jana.goOnline(s)
	owner.waitHost("two agents online", `document.querySelector('.online').textContent.trim() === 'Agents online: 2'`)
	jana.must(200, "PUT", "/api/v1/me/availability", map[string]bool{"available": false})
	owner.waitHost("one agent online again", `document.querySelector('.online').textContent.trim() === 'Agents online: 1'`)
	// Reloaded, the first count (the socket's hello) counts the same way.
	owner.navigate(s.url + "/inbox/")
	owner.waitHost("one agent online after a reload", `document.querySelector('.online') && document.querySelector('.online').textContent.trim() === 'Agents online: 1'`)
}
