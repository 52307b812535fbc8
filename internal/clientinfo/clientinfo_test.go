package clientinfo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	uaChromeWindows  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	uaSafariIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
	uaHeadlessChrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, ua string
		want     Info
		str      string
	}{
		{"Chrome/Windows", uaChromeWindows,
			Info{OS: "Windows", OSVersion: "10", Browser: "Chrome", BrowserVersion: "120.0", Device: "desktop"},
			"Chrome 120.0 on Windows 10"},
		{"Safari/iPhone", uaSafariIPhone,
			Info{OS: "iOS", OSVersion: "17.1", Browser: "Safari", BrowserVersion: "17.1", Device: "mobile"},
			"Safari 17.1 on iOS 17.1"},
		{"Firefox/Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
			Info{OS: "Linux", Browser: "Firefox", BrowserVersion: "121.0", Device: "desktop"},
			"Firefox 121.0 on Linux"},
		{"Edge/Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
			Info{OS: "Windows", OSVersion: "10", Browser: "Edge", BrowserVersion: "120.0", Device: "desktop"},
			"Edge 120.0 on Windows 10"},
		{"Samsung Internet/Android", "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
			Info{OS: "Android", OSVersion: "13", Browser: "Samsung Browser", BrowserVersion: "23.0", Device: "mobile"},
			"Samsung Browser 23.0 on Android 13"},
		{"Chrome/Android phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
			Info{OS: "Android", OSVersion: "14", Browser: "Chrome", BrowserVersion: "120.0", Device: "mobile"},
			"Chrome 120.0 on Android 14"},
		{"Chrome/Android tablet", "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
			Info{OS: "Android", OSVersion: "13", Browser: "Chrome", BrowserVersion: "120.0", Device: "tablet"},
			"Chrome 120.0 on Android 13"},
		{"Safari/iPad", "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
			Info{OS: "iOS", OSVersion: "16.6", Browser: "Safari", BrowserVersion: "16.6", Device: "tablet"},
			"Safari 16.6 on iOS 16.6"},
		{"Safari/macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
			Info{OS: "macOS", OSVersion: "10.15.7", Browser: "Safari", BrowserVersion: "17.1", Device: "desktop"},
			"Safari 17.1 on macOS 10.15.7"},
		{"Firefox/Windows 7", "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
			Info{OS: "Windows", OSVersion: "7", Browser: "Firefox", BrowserVersion: "115.0", Device: "desktop"},
			"Firefox 115.0 on Windows 7"},
		{"Chrome/iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
			Info{OS: "iOS", OSVersion: "17.1.2", Browser: "Chrome", BrowserVersion: "120.0", Device: "mobile"},
			"Chrome 120.0 on iOS 17.1.2"},
		{"HeadlessChrome is a browser", uaHeadlessChrome,
			Info{OS: "Linux", Browser: "Headless Chrome", BrowserVersion: "120.0", Device: "desktop"},
			"Headless Chrome 120.0 on Linux"},
		{"phone model containing bot", "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
			Info{OS: "Android", OSVersion: "10", Browser: "Chrome", BrowserVersion: "120.0", Device: "mobile"},
			"Chrome 120.0 on Android 10"},
		{"Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			Info{Browser: "Googlebot", BrowserVersion: "2.1", Device: "bot", Bot: true},
			"Googlebot 2.1"},
		{"Googlebot smartphone", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.216 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			Info{OS: "Android", OSVersion: "6.0.1", Browser: "Googlebot", BrowserVersion: "2.1", Device: "bot", Bot: true},
			"Googlebot 2.1 on Android 6.0.1"},
		{"facebookexternalhit", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
			Info{Browser: "facebookexternalhit", BrowserVersion: "1.1", Device: "bot", Bot: true},
			"facebookexternalhit 1.1"},
		{"curl", "curl/8.4.0",
			Info{Browser: "curl", BrowserVersion: "8.4", Device: "bot", Bot: true},
			"curl 8.4"},
		{"unparseable", "garbage string with spaces", Info{}, ""},
		{"empty", "", Info{}, ""},
		{"blank", "   ", Info{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Parse(c.ua)
			if got != c.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.ua, got, c.want)
			}
			if s := got.String(); s != c.str {
				t.Errorf("String() = %q, want %q", s, c.str)
			}
			if strings.TrimSpace(c.ua) != "" && IsCrawler(c.ua) != got.Bot {
				t.Errorf("IsCrawler = %v, but Parse().Bot = %v", !got.Bot, got.Bot)
			}
		})
	}
}

func TestIsCrawler(t *testing.T) {
	crawlers := []string{
		"",
		"  ",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.216 Safari/537.36",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
		"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
		"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
		"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		"Twitterbot/1.0",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		"Slackbot 1.0 (+https://api.slack.com/robots)",
		"LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
		"WhatsApp/2.23.20.0 A",
		"WhatsApp/2.2343.4 i",
		"TelegramBot (like TwitterBot)",
		"Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
		"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
		"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
		"curl/8.4.0",
		"Wget/1.21.4",
		"python-requests/2.31.0",
		"Python-urllib/3.11",
		"Go-http-client/1.1",
		"Go-http-client/2.0",
	}
	for _, ua := range crawlers {
		if !IsCrawler(ua) {
			t.Errorf("IsCrawler(%q) = false, want true", ua)
		}
	}
	people := []string{
		uaChromeWindows,
		uaSafariIPhone,
		uaHeadlessChrome, // our own end-to-end tests
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
		"Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/444.0.0.29.110]",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 Telegram-Android/10.5.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 LinkedInApp/9.29.6",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	}
	for _, ua := range people {
		if IsCrawler(ua) {
			t.Errorf("IsCrawler(%q) = true, want false", ua)
		}
	}
}

func TestParseCapsInput(t *testing.T) {
	// A crawler token past the cap is not seen.
	long := uaChromeWindows + strings.Repeat(" x", 400) + " Googlebot/2.1"
	if got := Parse(long); got.Bot || got.Browser != "Chrome" {
		t.Errorf("Parse(long) = %+v: looked past %d bytes", got, MaxUserAgentLen)
	}
	if IsCrawler(long) {
		t.Errorf("IsCrawler(long) looked past %d bytes", MaxUserAgentLen)
	}
	// Cutting never splits a UTF-8 sequence.
	for pad := range 4 {
		s := strings.Repeat("a", MaxUserAgentLen-2+pad) + "€€"
		c := capLen(s)
		if len(c) > MaxUserAgentLen || !utf8.ValidString(c) {
			t.Errorf("capLen(%d bytes) = %d bytes, valid=%v", len(s), len(c), utf8.ValidString(c))
		}
	}
	Parse(strings.Repeat("(", 100_000)) // must not blow up
}

func TestInfoString(t *testing.T) {
	for _, c := range []struct {
		in   Info
		want string
	}{
		{Info{}, ""},
		{Info{OS: "Linux"}, "Linux"},
		{Info{OS: "Windows", OSVersion: "10"}, "Windows 10"},
		{Info{Browser: "Firefox"}, "Firefox"},
		{Info{Browser: "Firefox", OS: "Linux"}, "Firefox on Linux"},
		{Info{Browser: "Chrome", BrowserVersion: "120.0", OS: "Windows", OSVersion: "10"}, "Chrome 120.0 on Windows 10"},
	} {
		if got := c.in.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse(uaChromeWindows)
	}
}

func BenchmarkIsCrawler(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		IsCrawler(uaChromeWindows)
	}
}
