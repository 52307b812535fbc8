package e2e

import (
	"fmt"
	"testing"
)

// withoutPlaybook deactivates the demo website's playbook, so the widget is the plain chat box of a
// website without a bot (its own offline form, no cards).
func withoutPlaybook(t *testing.T, a *agent) {
	t.Helper()
	for _, p := range a.must(200, "GET", "/api/v1/playbooks", nil)["playbooks"].([]any) {
		id := int64(p.(map[string]any)["id"].(float64))
		a.must(200, "POST", fmt.Sprintf("/api/v1/playbooks/%d/deactivate", id), nil)
	}
}
