package e2e

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// inboxShots takes one inbox screen four times — English and German, on a desktop and on a phone
// (390×844) — as docs/screenshots/NAME.png, NAME-de.png, NAME-phone.png and NAME-phone-de.png.
// show brings a tab (signed in, its language set) to the screen and waits until it is drawn.
func inboxShots(t *testing.T, s *parleyServer, dir string, desk *tab, name string, show func(p *tab, lang string)) {
	t.Helper()
	phone := newTab(t, name+"-phone", desk)
	phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, lang := range []string{"en", "de"} {
		suffix := ""
		if lang == "de" {
			suffix = "-de"
		}
		for _, p := range []*tab{desk, phone} {
			p.navigate(s.url + "/inbox/")
			host[chromedp.Void](p, `localStorage.setItem('parley.lang', `+jsQuote(lang)+`)`)
			p.do(chromedp.Reload())
			p.waitHost("the inbox in "+lang, `document.documentElement.lang === `+jsQuote(lang)+` && document.querySelector('nav.side')`)
			show(p, lang)
			file := name + suffix
			if p == phone {
				file = name + "-phone" + suffix
			}
			p.screenshot(filepath.Join(dir, file+".png"))
		}
	}
	host[chromedp.Void](desk, `localStorage.setItem('parley.lang', 'en')`)
	desk.do(chromedp.Reload())
	desk.waitHost("the inbox in English again", `document.documentElement.lang === 'en' && document.querySelector('nav.side')`)
}
