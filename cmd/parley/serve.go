package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/bus"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/channel/followup"
	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/clientinfo"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/demo"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/eventlog"
	"github.com/parleyhq/parley/internal/geo"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/notify"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/presence"
	"github.com/parleyhq/parley/internal/push"
	"github.com/parleyhq/parley/internal/realtime"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/richtext"
	"github.com/parleyhq/parley/internal/savedreply"
	"github.com/parleyhq/parley/internal/search"
	"github.com/parleyhq/parley/internal/webhook"
	"github.com/parleyhq/parley/internal/widget"
)

// How long shutdown waits for requests in flight before closing them.
const shutdownGrace = 15 * time.Second

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c Config
	fs := newFlags("serve", stderr)
	serveFlags(fs, &c)
	fs.Usage = usageWithEnv(fs, stderr, "parley serve [flags]")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	return serve(ctx, &c, stdout, stderr)
}

// serve runs Parley until ctx ends, then shuts down in order: stop accepting requests and drain
// them, let running jobs finish or hand them back, then close the bus and the database.
func serve(ctx context.Context, c *Config, stdout, stderr io.Writer) error {
	log := c.logger(stderr)
	started := time.Now()
	proxies, err := httpapi.ParseProxies(c.TrustedProxies)
	if err != nil {
		return err
	}
	metricsFrom, err := httpapi.ParseNetworks(c.MetricsNetworks)
	if err != nil {
		return err
	}
	if metricsFrom == nil {
		metricsFrom = httpapi.Networks{} // empty: nobody, not the default
	}

	db, keys, err := openSealedStore(ctx, c, stderr) // migrated, its secret key checked
	if err != nil {
		return err
	}
	defer db.Close()

	// Listening first: links in mails and pushes name the address (--base-url, or this one).
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	defer ln.Close()
	base := baseURL(c, ln.Addr().String())

	node := nodeName()
	installation, err := db.InstallationID(ctx)
	if err != nil {
		return err
	}
	b, err := bus.Open(ctx, bus.Options{URL: c.NATS, Name: node, Logger: log})
	if err != nil {
		return err
	}
	defer b.Close()
	// Every subject carries the installation's id: a NATS shared with other installations must
	// not carry one's conversations to another.
	events := bus.Scope(b, installation)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.Writer(), "write"),
	)
	if db.Reader() != db.Writer() {
		reg.MustRegister(collectors.NewDBStatsCollector(db.Reader(), "read"))
	}

	// What a change causes reaches every node's consumers through the feed: the hub's sockets,
	// the job runners, the access directory, the widget's block cache (internal/event).
	feed := event.NewFeed(events, log)
	queue := jobs.New(db, jobs.Options{Node: node, Logger: log, Registerer: reg,
		AfterEnqueue: func() { feed.Committed(context.Background(), event.Notice{Jobs: true}) }})
	dir := conversation.NewDirectory(db, log)
	if err := dir.Load(ctx); err != nil {
		return fmt.Errorf("read who works in which inbox: %w", err)
	}
	feed.Subscribe(dir.Notice) // first: the others decide by the access it holds
	feed.Subscribe(func(n *event.Notice) {
		if n.Jobs || n.Resync {
			queue.Wake()
		}
	})

	tracker := presence.New(presence.Options{Node: node, Bus: events, Toggles: db, Logger: log})
	locator, err := openLocator(c)
	if err != nil {
		return err
	}
	printed := make(chan struct{}) // closed once the start-up lines are printed
	go func() {                    // warm the country database so the first visitor does not wait
		if err := locator.MapError(); err != nil {
			log.Warn("the country database is held in memory: no directory could keep its copy", "err", err)
		}
		// Start-up (migrations, the demo's data, the database's copy) leaves garbage the
		// runtime would keep mapped for minutes: give it back once, so an idle node is small.
		select {
		case <-printed:
			debug.FreeOSMemory()
		case <-ctx.Done():
		}
	}()
	inboxes := inbox.NewService(db, feed)
	playbooks := playbook.NewService(db, feed)
	versions := bot.NewVersions(playbooks)
	convs := conversation.NewService(conversation.Options{Repo: db, Presence: tracker, Feed: feed, Directory: dir, Logger: log,
		JoinHook: bot.JoinHook(versions, db, nil, log),
		Mask:     func(s string) string { out, _ := mask.String(s); return out }})
	contacts := contact.NewService(contact.Options{Repo: db, Seer: convs, Feed: feed, Logger: log, Locate: func(ip string) string {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return ""
		}
		return locator.Lookup(a).CountryCode
	}, ParseUA: func(ua string) (string, string, bool) {
		i := clientinfo.Parse(ua)
		return strings.TrimSpace(i.OS + " " + i.OSVersion), strings.TrimSpace(i.Browser + " " + i.BrowserVersion), clientinfo.IsCrawler(ua)
	}})
	records := crm.NewService(crm.Options{Repo: db, Conversations: convs, Presence: tracker, Feed: feed, Logger: log, Render: richtext.Render})
	queue.Handle(crm.IndexJob, records.IndexJob)
	// Search (internal/search): messages indexed by a durable consumer of the event log, records
	// and contacts by their own writes.
	searcher := search.New(db, convs, log)
	queue.Handle(search.IndexJob, searcher.IndexJob)
	hooks := webhook.NewService(webhook.Options{Repo: db, Feed: feed, AllowPrivate: c.WebhooksAllowPrivate, Logger: log})
	queue.Handle(webhook.SendKind, hooks.Send)
	engine := bot.New(bot.Options{Playbooks: playbooks, Versions: versions, Conversations: convs, Contacts: contacts, Records: records,
		Jobs: queue, Hours: inboxes.OpenAt, Logger: log})
	limits := widget.DefaultLimits
	limits.PerIPEvery = time.Second / time.Duration(c.VisitorIPLimit)
	limits.PerIPBurst = 12 * c.VisitorIPLimit
	limits.PerVisitorEvery = time.Duration(float64(time.Second) / c.VisitorMessageRate)
	limits.PerVisitorBurst = c.VisitorMessageBurst
	// An office behind one address that needs more messages starts more visitors too.
	limits.SessionsPerIPBurst = 6 * c.VisitorIPLimit
	limits.SessionsPerIPEvery = 50 * time.Second / time.Duration(c.VisitorIPLimit)
	chat := widget.New(widget.Options{Contacts: contacts, Conversations: convs, Bot: engine, Feed: feed, Limits: limits})
	locate := func(ip string) string {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return ""
		}
		return locator.Lookup(a).CountryCode
	}
	hub := realtime.NewHub(realtime.Options{Bus: events, Feed: feed, Presence: tracker, Attention: tracker, Conversations: convs, Directory: dir,
		Registerer: reg, Logger: log, Render: richtext.Render, OriginAllowed: sameOrigin, VisitorGrace: c.VisitorGrace,
		Locate: locate, Mask: func(s string) string { out, _ := mask.String(s); return out },
		StartChat: func(ctx context.Context, sess *widget.Session, inv realtime.Invite) error {
			_, err := chat.StartChat(ctx, sess, inv.AgentID, inv.Body, inv.ID)
			return err
		}})
	blobs := blob.New(db, blob.Limits{}, nil)

	// Channels (internal/channel): what comes in is stored through the seam; each reply's send job
	// runs through its channel; website visitors who left get follow-ups by email.
	fixedMail, _ := c.mailSettings() // validated with the flags
	mail := mailer.New(mailer.Options{Repo: db, Fixed: fixedMail, Logger: log})
	receiver := channel.NewReceiver(channel.ReceiverOptions{Conversations: convs, Contacts: contacts, Blobs: blobs, Logger: log})
	emails := emailinbox.New(emailinbox.Options{Repo: db, Receiver: receiver, Convs: convs, Blobs: blobs, Mail: mail, Feed: feed, Node: node, Logger: log})
	followup.New(followup.Options{Queue: queue, Repo: db, Convs: convs, Mail: mail, Inboxes: emails, Visitors: hub, Logger: log})
	replies := savedreply.NewService(savedreply.Options{Repo: db, Conversations: convs, Uploads: blobs, Feed: feed})
	b.OnReconnect(func() {
		tracker.ForgetToggles()
		feed.Reconnected() // notices published while the bus was away were missed
	})
	if err := feed.Run(ctx); err != nil {
		return err
	}

	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.DefaultHashParams, runtime.NumCPU()), Logger: log, Feed: feed,
		MailReady: func(ctx context.Context) bool {
			st, err := mail.Settings(ctx)
			return err == nil && st.Configured()
		},
		PasswordLink: func(token string) string { return base + "/inbox/#/password/" + token }})

	// Notifications (docs/notifications.md): web push to agents' devices and emails, decided by a
	// durable consumer of the event log; invitation and reset mails.
	nkeys, err := db.NotifyKeys(ctx, newNotifyKeys)
	if err != nil {
		return fmt.Errorf("the notification keys: %w", err)
	}
	// Messenger and WhatsApp tell Meta and Twilio where to call back: they start once the public
	// URL is known (before the job runner, which runs their webhooks' jobs).
	pages := messenger.New(messenger.Options{Repo: db, Receiver: receiver, Convs: convs, Blobs: blobs, Feed: feed, Queue: queue,
		GraphURL: c.MetaGraphURL, BaseURL: base, Logger: log})
	senders := whatsapp.New(whatsapp.Options{Repo: db, Receiver: receiver, Convs: convs, Blobs: blobs, Feed: feed, Queue: queue,
		APIURL: c.TwilioAPIURL, ContentURL: c.TwilioContentURL, BaseURL: base, Logger: log})
	channel.NewDispatcher(queue, convs, map[inbox.Kind]channel.Sender{inbox.Email: emails, inbox.Messenger: pages, inbox.WhatsApp: senders}, log)
	vapid, err := push.ParseKeys(nkeys.VAPIDPrivate)
	if err != nil {
		return err
	}
	pushes := push.NewService(push.Options{Repo: db, Sender: &push.Sender{Keys: vapid, Subject: pushContact(base)}, Logger: log,
		Describe: describeDevice})
	notifier := notify.New(notify.Options{Repo: db, Queue: queue, Feed: feed, Directory: dir, Presence: tracker, Visitors: hub, Push: pushes,
		Mail: mail, Accounts: accounts, Keys: nkeys, BaseURL: base, Batch: c.NotifyBatch,
		// A chat is missed once the visitor's last page has been gone for the grace period: look as
		// often as that.
		MissedCheck: c.VisitorGrace, Logger: log})
	// Durable consumers of the event log: each reads on from where it stopped, on one node at a time
	// (the webhooks' fan-out, the notes that follow linked conversations, agents' notifications).
	// Each lets events gather for a moment after a batch, so a busy site's consumers read and
	// commit hundreds of events at once rather than a few per message (docs/performance.md).
	// The report facts follow the log the same way (docs/reports.md).
	reports := report.New(db, db)
	follow, notes, facts := records.FollowConsumer(), notifier.Consumer(), reports.Consumer()
	follow.Gather, notes.Gather, facts.Gather = consumerGather, consumerGather, consumerGather
	consumers := event.NewRunner(db, feed, event.RunnerOptions{Node: node, Logger: log},
		event.Consumer{Name: webhook.ConsumerName, Handle: hooks.FanOut, Gather: consumerGather}, follow, notes, searcher.Consumer(), facts)

	var demoSite *httpapi.DemoSite
	var seeded *demo.Result
	if c.Demo {
		seeded, err = demo.Seed(ctx, db, accounts, playbooks)
		if err != nil {
			return err
		}
		demoSite = &httpapi.DemoSite{Name: seeded.Website.Name, WebsiteKey: seeded.Website.PublicKey}
		if err := dir.Load(ctx); err != nil { // the demo's owner and website were written directly
			return err
		}
	}

	api := httpapi.New(httpapi.Config{
		Auth:          accounts,
		Checks:        map[string]httpapi.Checker{"database": db, "bus": httpapi.CheckFunc(b.Ready)},
		Registry:      reg,
		Logger:        log,
		Proxies:       proxies,
		SecureCookies: c.TLSCert != "" || strings.HasPrefix(base, "https://"),
		Demo:          demoSite,

		Inboxes:        inboxes,
		Conversations:  convs,
		Contacts:       contacts,
		Widget:         chat,
		Hub:            hub,
		Presence:       tracker,
		Blobs:          blobs,
		Playbooks:      playbooks,
		CRM:            records,
		Webhooks:       hooks,
		EventLog:       eventlog.NewReader(db, convs),
		Reports:        reports,
		EmailInboxes:   emails,
		Mail:           mail,
		SavedReplies:   replies,
		Messenger:      pages,
		WhatsApp:       senders,
		BaseURL:        base,
		Push:           pushes,
		Notify:         notifier,
		Search:         searcher,
		Organizer:      search.NewOrganizer(db, db, convs, feed),
		LocationCredit: locator.Attribution(),

		MetricsNetworks:  metricsFrom,
		MetricsElsewhere: c.MetricsAddr != "",
	})
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		srv.TLSConfig = tlsConfig
		ln = tls.NewListener(ln, tlsConfig)
	}

	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- queue.Run(jobsCtx) }()
	consumersDone := make(chan struct{})
	go func() { consumers.Run(jobsCtx); close(consumersDone) }()
	liveCtx, stopLive := context.WithCancel(context.WithoutCancel(ctx))
	liveDone := make(chan struct{}, 2)
	go dir.Run(liveCtx)
	go hooks.RunPrune(liveCtx)
	go func() {
		if err := tracker.Run(liveCtx); err != nil {
			log.Error("presence", "err", err)
		}
		liveDone <- struct{}{}
	}()
	go func() {
		if err := hub.Run(liveCtx); err != nil {
			log.Error("realtime hub", "err", err)
		}
		liveDone <- struct{}{}
	}()
	go cleanOrphans(liveCtx, blobs, contacts, log)
	go emails.Watch(liveCtx)
	smtpAddr := ""
	if c.SMTPAddr != "" {
		a, err := serveSMTP(liveCtx, c, base, emails, log)
		if err != nil {
			stopJobs()
			stopLive()
			return err
		}
		smtpAddr = a
	}
	metricsURL := ""
	if c.MetricsAddr != "" {
		msrv, addr, err := serveMetrics(c.MetricsAddr, api.MetricsHandler(), log)
		if err != nil {
			stopJobs()
			stopLive()
			return err
		}
		defer msrv.Close()
		metricsURL = "http://" + addr + "/metrics"
	}
	debugURL := ""
	if c.DebugAddr != "" {
		dbg, addr, err := serveDebug(c.DebugAddr, log)
		if err != nil {
			stopJobs()
			stopLive()
			return err
		}
		defer dbg.Close()
		debugURL = "http://" + addr + "/debug/pprof/"
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	log.Info("parley serving", "addr", ln.Addr().String(), "database", db.Where(), "bus", busName(b), "node", node, "startup", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Parley is running.\n  Inbox:        %s/inbox/\n", base)
	if smtpAddr != "" {
		fmt.Fprintf(stdout, "  SMTP:         %s\n", smtpAddr)
	}
	if debugURL != "" {
		fmt.Fprintf(stdout, "  Profiler:     %s\n", debugURL)
	}
	if metricsURL != "" {
		fmt.Fprintf(stdout, "  Metrics:      %s\n", metricsURL)
	}
	if keys.generated {
		fmt.Fprintf(stdout, "  Secret key:   %s, made now: back it up apart from the database\n", keys.file)
	}
	if seeded != nil {
		fmt.Fprintf(stdout, "  Visitor page: %s/demo\n  Sign in as    %s\n", base, seeded.OwnerEmail)
		if seeded.Password != "" {
			fmt.Fprintf(stdout, "  Password:     %s   (shown once; change it with `parley user set-password --email %s`)\n", seeded.Password, seeded.OwnerEmail)
		} else {
			fmt.Fprintf(stdout, "  (password shown on the first --demo run; reset it with `parley user set-password --email %s`)\n", seeded.OwnerEmail)
		}
	}

	close(printed)
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-serveErr:
		log.Error("http server stopped", "err", runErr)
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("requests still running at shutdown were closed", "err", err)
		srv.Close()
	}
	stopLive() // closes every socket; clients reconnect to another node
	<-liveDone
	<-liveDone
	stopJobs()
	if err := <-jobsDone; err != nil {
		log.Warn("job runner", "err", err)
	}
	<-consumersDone
	log.Info("stopped")
	if runErr != nil && !errors.Is(runErr, http.ErrServerClosed) {
		return runErr
	}
	return nil
}

// serveSMTP starts Parley's own SMTP listener on --smtp-addr, for the installation's reply domain
// and the email inboxes' addresses, and returns the address it listens on. It offers STARTTLS with
// the HTTPS certificate when there is one, and stops when ctx ends.
func serveSMTP(ctx context.Context, c *Config, base string, emails *emailinbox.Service, log *slog.Logger) (string, error) {
	host := c.SMTPHostname
	if host == "" {
		if u, err := url.Parse(base); err == nil {
			host = u.Hostname()
		}
	}
	cfg := email.ListenerConfig{Hostname: host, Accept: emails.Accepts, Logger: log}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return "", fmt.Errorf("load TLS certificate for the SMTP listener: %w", err)
		}
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	l, err := email.NewListener(cfg, emails)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", c.SMTPAddr)
	if err != nil {
		return "", fmt.Errorf("listen on --smtp-addr %s: %w", c.SMTPAddr, err)
	}
	go func() {
		if err := l.Serve(ctx, ln); err != nil {
			log.Error("smtp listener", "err", err)
		}
	}()
	log.Info("smtp listener serving", "addr", ln.Addr().String(), "hostname", host)
	return ln.Addr().String(), nil
}

// cleanOrphans deletes uploads never sent in a message, and website visitors who never wrote nor
// gave details and have not been seen for 30 days, hourly. Every node may do it: the deletes are
// guarded, so doing them twice is harmless.
func cleanOrphans(ctx context.Context, blobs *blob.Service, contacts *contact.Service, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if n, err := blobs.CleanOrphans(ctx); err != nil {
				log.Warn("clean orphan uploads", "err", err)
			} else if n > 0 {
				log.Info("orphan uploads deleted", "count", n)
			}
			if n, err := contacts.ForgetAnonymous(ctx); err != nil {
				log.Warn("forget anonymous visitors", "err", err)
			} else if n > 0 {
				log.Info("anonymous visitors forgotten", "count", n)
			}
		}
	}
}

// newNotifyKeys makes the installation's notification keys on its first start.
func newNotifyKeys() (string, *notify.Keys, error) {
	vapid, err := push.GenerateKeys()
	if err != nil {
		return "", nil, err
	}
	unsub := make([]byte, 32)
	if _, err := rand.Read(unsub); err != nil {
		return "", nil, err
	}
	return vapid.PublicKey(), &notify.Keys{VAPIDPrivate: vapid.PrivateKey(), Unsubscribe: unsub}, nil
}

// pushContact is how push services may reach the operator (RFC 8292's subject): the public https
// URL, else a postmaster address at its host.
func pushContact(base string) string {
	if strings.HasPrefix(base, "https://") {
		return base
	}
	host := "localhost"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "mailto:postmaster@" + host
}

// describeDevice names a subscribed browser for the profile's device list.
func describeDevice(ua string) string {
	i := clientinfo.Parse(ua)
	browser := strings.TrimSpace(i.Browser + " " + i.BrowserVersion)
	system := strings.TrimSpace(i.OS + " " + i.OSVersion)
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	}
	return system
}

// sameOrigin reports whether a browser's Origin is the host it connects to.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host == host
}

func busName(b *bus.Bus) string {
	if b.Embedded() {
		return "embedded NATS"
	}
	return "external NATS"
}

// baseURL is --base-url, or the URL --addr serves at.
func baseURL(c *Config, listening string) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(listening)
	if err != nil {
		return scheme + "://" + listening
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func nodeName() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("parley-%s-%d", h, os.Getpid())
}

// serveDebug serves the profiler on its own listener, so it is never reachable through the public
// address or a proxy in front of it.
// serveMetrics serves the Prometheus metrics on --metrics-addr, a listener of their own.
func serveMetrics(addr string, metrics http.Handler, log *slog.Logger) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listen on --metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("metrics serving", "addr", ln.Addr().String())
	return srv, ln.Addr().String(), nil
}

func serveDebug(addr string, log *slog.Logger) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listen on --debug-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiler serving", "addr", ln.Addr().String())
	return srv, ln.Addr().String(), nil
}

// consumerGather is how long the event consumers let events gather after a batch.
const consumerGather = 100 * time.Millisecond

// openLocator opens the operator's city database, or the embedded country database mapped from a
// copy kept in the user's cache directory (or, failing that, the SQLite data directory), so its
// 8 MB are page cache rather than heap.
func openLocator(c *Config) (*geo.Locator, error) {
	if c.CityDB != "" {
		return geo.Open(c.CityDB)
	}
	var dirs []string // one copy per user serves every data directory, so it comes first
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "parley"))
	}
	if c.Database == "" {
		dirs = append(dirs, c.DataDir)
	}
	return geo.OpenEmbedded(dirs...), nil
}
