// Package clientinfo turns a visitor's User-Agent header into the OS, browser
// and device shown to agents, and tells crawlers from people.
package clientinfo

import (
	"strings"
	"unicode/utf8"

	"github.com/mileusna/useragent"
)

// MaxUserAgentLen is how much of a User-Agent header is looked at; the rest
// is ignored. Real browsers send well under 512 bytes.
const MaxUserAgentLen = 512

// Device kinds.
const (
	DeviceDesktop = "desktop"
	DeviceMobile  = "mobile"
	DeviceTablet  = "tablet"
	DeviceBot     = "bot"
)

// Info is what a User-Agent says about the visitor's software. Empty fields
// mean unknown.
type Info struct {
	OS             string // e.g. "Windows", "macOS", "iOS", "Android", "Linux", "ChromeOS"
	OSVersion      string // e.g. "10", "17.1", "14"
	Browser        string // e.g. "Chrome", "Safari", "Firefox", "Edge", "Samsung Browser", "Googlebot"
	BrowserVersion string // major.minor, e.g. "120.0"
	Device         string // "desktop", "mobile", "tablet", "bot" or ""
	Bot            bool   // a crawler, link-preview fetcher or HTTP library; see IsCrawler
}

// Parse parses a User-Agent header. Only its first [MaxUserAgentLen] bytes
// are looked at.
func Parse(userAgent string) Info {
	userAgent = capLen(userAgent)
	if strings.TrimSpace(userAgent) == "" {
		return Info{}
	}
	ua := useragent.Parse(userAgent)

	info := Info{
		OS:             ua.OS,
		OSVersion:      osVersion(ua.OS, ua.OSVersion),
		Browser:        ua.Name,
		BrowserVersion: shortVersion(ua.Version),
	}
	if ua.Name == userAgent {
		// The library's last resort is the whole header as the name: that is
		// no browser name to show.
		info.Browser = ""
	}
	if info.Browser == "" {
		info.BrowserVersion = ""
	}

	// The library marks headless Chrome as a bot; our end-to-end tests (and
	// some real users' tools) drive it, so it counts as a browser here.
	info.Bot = hasCrawlerToken(userAgent) || (ua.Bot && ua.Name != useragent.HeadlessChrome)

	switch {
	case info.Bot:
		info.Device = DeviceBot
	case ua.Tablet:
		info.Device = DeviceTablet
	case ua.OS == useragent.Android && !strings.Contains(userAgent, "Mobile"):
		// Android tablets leave "Mobile" out; the library counts every
		// Android device as mobile.
		info.Device = DeviceTablet
	case ua.Mobile:
		info.Device = DeviceMobile
	case ua.Desktop:
		info.Device = DeviceDesktop
	}
	return info
}

// String describes the client for people, e.g. "Chrome 120.0 on Windows 10"
// or "Safari 17.1 on iOS 17.1"; parts that are unknown are left out, and an
// Info with nothing known gives "".
func (i Info) String() string {
	browser := join(i.Browser, i.BrowserVersion)
	os := join(i.OS, i.OSVersion)
	switch {
	case browser == "":
		return os
	case os == "":
		return browser
	}
	return browser + " on " + os
}

func join(name, version string) string {
	if name == "" || version == "" {
		return name
	}
	return name + " " + version
}

// IsCrawler reports whether a User-Agent belongs to a crawler, a link
// preview fetcher, a command-line tool or HTTP library, or is empty: clients
// that should not count as visitors. It agrees with Parse(userAgent).Bot,
// except that an empty User-Agent is a crawler too. Headless Chrome is not a
// crawler.
func IsCrawler(userAgent string) bool {
	userAgent = capLen(userAgent)
	if strings.TrimSpace(userAgent) == "" {
		return true
	}
	if hasCrawlerToken(userAgent) {
		return true
	}
	return Parse(userAgent).Bot
}

// crawlerTokens are lower-case substrings of crawler User-Agents that the
// library does not flag (or may not), matched case-insensitively. Each is
// specific enough not to appear in a browser's User-Agent: a bare "bot"
// would match phone models such as "CUBOT_X30".
var crawlerTokens = [...]string{
	// search engines
	"googlebot", "google-inspectiontool", "adsbot-google", "mediapartners-google",
	"bingbot", "bingpreview", "msnbot", "duckduckbot", "duckassistbot", "baiduspider",
	"yandexbot", "yandex.com/bots", "exabot", "seznambot", "petalbot",
	"applebot", "qwantbot", "mojeekbot", "yeti/", "naverbot", "coccocbot",
	// SEO and data crawlers
	"ahrefsbot", "ahrefssiteaudit", "semrushbot", "mj12bot", "dotbot", "rogerbot",
	"blexbot", "dataforseobot", "serpstatbot", "barkrowler", "bytespider",
	"ccbot", "gptbot", "chatgpt-user", "oai-searchbot", "claudebot", "claude-web",
	"anthropic-ai", "perplexitybot", "amazonbot", "ia_archiver", "archive.org_bot",
	"crawler", "spider",
	// link previews
	"facebookexternalhit", "facebookcatalog", "meta-externalagent", "twitterbot",
	"slackbot", "slack-imgproxy", "linkedinbot", "whatsapp/", "telegrambot",
	"discordbot", "skypeuripreview", "pinterestbot", "redditbot", "embedly",
	"vkshare", "iframely", "mastodon/", "snap url preview",
	"google-pagerenderer", "googleother", "bitlybot",
	// monitoring
	"uptimerobot", "pingdom", "statuscake", "site24x7", "better uptime",
	// tools and HTTP libraries
	"curl/", "wget/", "python-requests", "python-urllib", "python-httpx",
	"aiohttp", "go-http-client", "java/", "apache-httpclient", "okhttp",
	"libwww-perl", "httpie", "axios/", "node-fetch", "undici", "got (",
	"scrapy", "php/", "guzzlehttp", "postmanruntime", "insomnia",
	"powershell",
}

func hasCrawlerToken(userAgent string) bool {
	lower := strings.ToLower(userAgent)
	for _, t := range crawlerTokens {
		if strings.Contains(lower, t) {
			return true
		}
	}
	return false
}

// capLen cuts s to MaxUserAgentLen bytes without splitting a UTF-8 sequence.
func capLen(s string) string {
	if len(s) <= MaxUserAgentLen {
		return s
	}
	s = s[:MaxUserAgentLen]
	for i := 0; i < utf8.UTFMax && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// shortVersion keeps major.minor of a dotted version ("120.0.6099.130" ->
// "120.0") and drops values that are not versions.
func shortVersion(v string) string {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return ""
	}
	if i := strings.IndexByte(v, '.'); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '.'); j >= 0 {
			v = v[:i+1+j]
		}
	}
	return v
}

// osVersion turns the library's OS version into the one people know.
func osVersion(os, v string) string {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return "" // e.g. "x86_64" for Linux
	}
	if os == useragent.Windows {
		// Windows NT version numbers; Windows 11 still says "10.0".
		switch v {
		case "10.0":
			return "10"
		case "6.3":
			return "8.1"
		case "6.2":
			return "8"
		case "6.1":
			return "7"
		case "6.0":
			return "Vista"
		case "5.1", "5.2":
			return "XP"
		}
	}
	return v
}
