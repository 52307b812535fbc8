package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/httpapi"
)

// Config is everything `parley` is told at start: flags, each with a PARLEY_* environment variable
// of the same name (a flag given on the command line wins).
type Config struct {
	Addr           string
	DataDir        string
	Database       string
	NATS           string
	BaseURL        string
	TLSCert        string
	TLSKey         string
	TrustedProxies string
	Demo           bool
	LogLevel       string
	LogFormat      string
	CityDB         string
	VisitorIPLimit int
	// VisitorMessageRate and VisitorMessageBurst limit one visitor's messages: a burst, then
	// VisitorMessageRate a second.
	VisitorMessageRate  float64
	VisitorMessageBurst int
	VisitorGrace        time.Duration
	DebugAddr           string
	// MetricsNetworks may read /metrics on the public listener; MetricsAddr, when set, serves it on
	// a listener of its own instead (and nowhere else).
	MetricsNetworks string
	MetricsAddr     string
	SecretKey       string // base64 or hex; empty: SQLite's DATA/secret.key (secrets.go)
	SecretKeysOld   string // comma-separated keys SecretKey replaced
	// WebhooksAllowPrivate lets webhook endpoints point at loopback, private and link-local
	// addresses (internal/webhook/target.go).
	WebhooksAllowPrivate bool
	// Mail (docs/email.md): Parley's own SMTP listener, and the installation's mail set by flags
	// instead of the admin area.
	SMTPAddr        string
	SMTPHostname    string
	MailSMTP        string // smtp[s]://user:pass@host:port?security=...
	MailFrom        string // "Name <address>" or an address
	MailReplyDomain string
	MailIMAP        string // imap[s]://user:pass@host:port/folder
	// Messenger and WhatsApp (docs/channels.md): the base URLs of Meta's Graph API and Twilio's
	// APIs, changed only to point tests at fake servers.
	MetaGraphURL     string
	TwilioAPIURL     string
	TwilioContentURL string
	// NotifyBatch is how long an email to an agent waits for more of its kind (docs/notifications.md).
	NotifyBatch time.Duration
}

// storageFlags are the flags every subcommand that opens the database shares.
func storageFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DataDir, "data", "./parley-data", "directory for the SQLite database and its lock file")
	fs.StringVar(&c.Database, "database", "", "PostgreSQL URL (postgres://user:pass@host/db); empty stores everything in SQLite under --data")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
}

func serveFlags(fs *flag.FlagSet, c *Config) {
	storageFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on (host:port); use :8080 to listen on all interfaces")
	fs.StringVar(&c.NATS, "nats", "", "NATS URL (nats://host:4222) shared by all nodes; empty runs NATS embedded in-process with no open port")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL of this Parley, e.g. https://chat.example.com; used for links and Origin checks (default: derived from --addr)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM) to serve HTTPS directly; needs --tls-key")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM) for --tls-cert")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed")
	fs.StringVar(&c.CityDB, "city-db", "", "a MaxMind/DB-IP city database (.mmdb) to show visitors' cities; default: the bundled country database")
	fs.StringVar(&c.MetricsNetworks, "metrics-allowed-networks", httpapi.DefaultMetricsNetworks, "comma-separated IPs or CIDRs that may read /metrics on --addr (the client's address, behind --trusted-proxies); empty: nobody")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics on this address of its own instead, e.g. 127.0.0.1:9090 (then --addr has none)")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; keep it off public networks")
	fs.IntVar(&c.VisitorIPLimit, "visitor-ip-limit", 5, "widget messages per second allowed from one IP address (burst: 12 seconds' worth), and new visitors (6× it at once, then one every 50 s ÷ it); raise it when many visitors share an address")
	fs.Float64Var(&c.VisitorMessageRate, "visitor-message-rate", 1, "widget messages per second one visitor may send after the burst (0.01 to 1000)")
	fs.IntVar(&c.VisitorMessageBurst, "visitor-message-burst", 10, "widget messages one visitor may send at once before --visitor-message-rate applies (1 to 10000)")
	fs.BoolVar(&c.WebhooksAllowPrivate, "webhooks-allow-private", false, "let webhooks go to loopback, private, link-local and cloud metadata addresses (off: only public addresses; for receivers inside your own network)")
	fs.DurationVar(&c.VisitorGrace, "visitor-grace", 15*time.Second, "how long a visitor who closed the website's last tab stays on the inbox's Visitors screen (a page load in between closes one tab's connection and opens the next)")
	fs.BoolVar(&c.Demo, "demo", false, "create a demo owner, website and /demo page (idempotent) and print the URLs to open")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", "", "run Parley's own SMTP listener (an MX for the reply domain and email inboxes) on this address, e.g. :25 or :2525")
	fs.StringVar(&c.SMTPHostname, "smtp-hostname", "", "the listener's host name in its greeting and Received lines (default: the host of --base-url)")
	fs.StringVar(&c.MailSMTP, "mail-smtp", "", "the installation's mail relay, smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS) or smtp://host:25?security=none; set, the mail settings are fixed by flags")
	fs.StringVar(&c.MailFrom, "mail-from", "", "the From of the installation's mail, e.g. 'Example Support <support@example.com>' (with --mail-smtp)")
	fs.StringVar(&c.MailReplyDomain, "mail-reply-domain", "", "the domain replies come back to as reply+TOKEN@domain, received by --smtp-addr or --mail-imap (with --mail-smtp)")
	fs.DurationVar(&c.NotifyBatch, "notify-batch", 3*time.Minute, "how long an email to an agent waits for more of its kind before it goes: a busy chat makes one email per this long")
	fs.StringVar(&c.MailIMAP, "mail-imap", "", "a mailbox the reply domain's mail is fetched from, imaps://user:password@host:993/INBOX (with --mail-smtp)")
	fs.StringVar(&c.MetaGraphURL, "meta-graph-url", messenger.DefaultGraphURL, "the base URL of Meta's Graph API (Messenger); change it only to point at a test server")
	fs.StringVar(&c.TwilioAPIURL, "twilio-api-url", whatsapp.DefaultAPIURL, "the base URL of Twilio's REST API (WhatsApp); change it only to point at a test server")
	fs.StringVar(&c.TwilioContentURL, "twilio-content-url", whatsapp.DefaultContentURL, "the base URL of Twilio's Content API (WhatsApp templates); change it only to point at a test server")
	secretFlags(fs, c)
}

// parseFlags parses args into fs, filling flags not given from PARLEY_* environment variables.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil || !envFlags[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
			}
		}
	})
	return err
}

// envFlags are the flags that PARLEY_* variables set: the server's configuration, not the
// arguments of one-off commands such as a new user's email.
var envFlags = map[string]bool{
	"addr": true, "data": true, "database": true, "nats": true, "base-url": true, "tls-cert": true, "tls-key": true,
	"trusted-proxies": true, "demo": true, "visitor-ip-limit": true, "visitor-message-rate": true, "visitor-message-burst": true, "visitor-grace": true, "city-db": true, "log-level": true, "log-format": true,
	"debug-addr": true, "metrics-allowed-networks": true, "metrics-addr": true, "secret-key": true, "secret-keys-old": true, "webhooks-allow-private": true, "smtp-addr": true, "smtp-hostname": true,
	"mail-smtp": true, "mail-from": true, "mail-reply-domain": true, "mail-imap": true, "notify-batch": true,
	"meta-graph-url": true, "twilio-api-url": true, "twilio-content-url": true,
}

func envName(flagName string) string {
	return "PARLEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// usageWithEnv prints a flag set's help with each flag's environment variable.
func usageWithEnv(fs *flag.FlagSet, w io.Writer, synopsis string) func() {
	return func() {
		fmt.Fprintf(w, "Usage: %s\n\nFlags (those with a variable in brackets may also be set in the environment):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			env := ""
			if envFlags[f.Name] {
				env = "  [" + envName(f.Name) + "]"
			}
			fmt.Fprintf(w, "  --%s%s\n      %s%s\n", f.Name, env, f.Usage, def)
		})
	}
}

func (c *Config) validate() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key must be given together")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		return fmt.Errorf("--database must be a postgres:// URL (leave it empty for SQLite under --data)")
	}
	if _, err := httpapi.ParseNetworks(c.MetricsNetworks); err != nil {
		return fmt.Errorf("--metrics-allowed-networks: %v", err)
	}
	if c.VisitorIPLimit < 1 {
		return fmt.Errorf("--visitor-ip-limit must be at least 1")
	}
	if !(c.VisitorMessageRate >= 0.01 && c.VisitorMessageRate <= 1000) {
		return fmt.Errorf("--visitor-message-rate must be between 0.01 and 1000 messages a second")
	}
	if c.VisitorMessageBurst < 1 || c.VisitorMessageBurst > 10000 {
		return fmt.Errorf("--visitor-message-burst must be between 1 and 10000")
	}
	if c.VisitorGrace < 100*time.Millisecond || c.VisitorGrace > time.Hour {
		return fmt.Errorf("--visitor-grace must be between 100ms and 1h")
	}
	if c.NotifyBatch < time.Second || c.NotifyBatch > 24*time.Hour {
		return fmt.Errorf("--notify-batch must be between 1s and 24h")
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("--base-url must start with http:// or https://")
	}
	if _, err := c.mailSettings(); err != nil {
		return err
	}
	for flag, v := range map[string]string{"meta-graph-url": c.MetaGraphURL, "twilio-api-url": c.TwilioAPIURL, "twilio-content-url": c.TwilioContentURL} {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--%s must be an http(s) URL, not %q", flag, v)
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
