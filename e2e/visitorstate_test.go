package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestVisitorState: a visitor writing on the demo site is "On the site" on their row and in the
// conversation's header; when their tab goes away the inbox shows they left, live.
func TestVisitorState(t *testing.T) {
	s := startParley(t)
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)

	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.typeMessage("Is the blue one in stock?")
	row := rowWith("Is the blue one in stock?")
	owner.waitHost("the row with On the site", row+` && `+row+`.querySelector('.live-on') && `+row+`.querySelector('.live-on').textContent === 'On the site'`)
	host[chromedp.Void](owner, row+`.querySelector('a').click()`)
	owner.waitHost("On the site in the header", `document.querySelector('.conv-head .visitor-online') && document.querySelector('.conv-head .visitor-online').textContent === 'On the site'`)

	// The visitor's tab leaves the page: its socket closes.
	visitor.navigate("about:blank")
	owner.waitHost("the row with Left", row+` && `+row+`.querySelector('.live-off') && `+row+`.querySelector('.live-off').textContent === 'Left' && !`+row+`.querySelector('.live-on')`)
	owner.waitHost("Left the site in the header", `document.querySelector('.conv-head .visitor-left') && document.querySelector('.conv-head .visitor-left').textContent === 'Left the site'`)
}
