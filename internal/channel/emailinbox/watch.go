package emailinbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/mailer"
)

// Mailboxes read over IMAP are watched by one node at a time: each node looks every LeaseTTL/3 for
// the mailboxes there are (email inboxes that receive by IMAP, and the installation's mailbox), takes
// the lease of each one nobody holds and watches it while it keeps the lease. A node that dies lets
// its leases run out, and another node takes its mailboxes over within LeaseTTL, from the state the
// first stored with each message. Changed settings restart a watcher.

// watched is one mailbox a node may watch.
type watched struct {
	lease   string // the lease's name, "imap:inbox:<id>" or "imap:installation"
	print   string // the settings' fingerprint: a change restarts the watcher
	mailbox *email.IMAPMailbox
	handler mailboxHandler
}

type running struct {
	print  string
	cancel context.CancelFunc
	done   chan struct{}
}

// Watch watches the IMAP mailboxes this node holds the lease of, until ctx ends; then it stops
// them and gives their leases up, so another node takes them at once.
func (s *Service) Watch(ctx context.Context) {
	holder := s.o.Node + "-" + randomHex(4)
	tick := time.NewTicker(s.o.LeaseTTL / 3)
	defer tick.Stop()
	active := map[string]*running{}
	stop := func(name string) {
		r := active[name]
		r.cancel()
		<-r.done
		delete(active, name)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := s.o.Repo.ReleaseLease(rctx, name, holder); err != nil {
			s.log.Warn("imap: release lease", "lease", name, "err", err)
		}
		cancel()
	}
	defer func() {
		for name := range active {
			stop(name)
		}
	}()
	for {
		want, err := s.mailboxes(ctx)
		if err != nil {
			s.log.Warn("imap: list mailboxes", "err", err)
		}
		for name, r := range active {
			if w, ok := want[name]; !ok || w.print != r.print {
				stop(name)
			}
		}
		if err == nil {
			for name, w := range want {
				held, err := s.o.Repo.TakeLease(ctx, name, holder, s.o.LeaseTTL)
				if err != nil {
					s.log.Warn("imap: take lease", "lease", name, "err", err)
					continue
				}
				_, on := active[name]
				switch {
				case held && !on:
					active[name] = s.start(ctx, w)
				case !held && on:
					// Another node has it now: our lease ran out while we could not renew it.
					stop(name)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// start runs one mailbox's watcher from its stored state.
func (s *Service) start(ctx context.Context, w watched) *running {
	wctx, cancel := context.WithCancel(ctx)
	r := &running{print: w.print, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		st, err := s.o.Repo.IMAPStateOf(wctx, w.handler.mailbox, w.handler.folder)
		for err != nil {
			s.log.Warn("imap: read state", "lease", w.lease, "err", err)
			select {
			case <-wctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
			st, err = s.o.Repo.IMAPStateOf(wctx, w.handler.mailbox, w.handler.folder)
		}
		s.log.Info("imap: watching", "lease", w.lease, "host", w.mailbox.Settings.Host, "folder", w.handler.folder)
		if err := w.mailbox.Watch(wctx, st, w.handler); err != nil {
			s.log.Warn("imap: watcher stopped", "lease", w.lease, "err", err)
		}
	}()
	return r
}

// mailboxes lists the mailboxes there are to watch, by lease name.
func (s *Service) mailboxes(ctx context.Context) (map[string]watched, error) {
	out := map[string]watched{}
	list, err := s.o.Repo.ListEmailInboxes(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		ib := &list[i]
		if ib.Receive != mailer.ReceiveIMAP || ib.IMAP.Host == "" {
			continue
		}
		mb := ib.mailbox(s)
		name := fmt.Sprintf("imap:inbox:%d", ib.ID)
		out[name] = watched{lease: name, print: fingerprint(ib.IMAP), mailbox: mb,
			handler: mailboxHandler{s: s, ib: ib, mailbox: fmt.Sprintf("inbox:%d", ib.ID), folder: folderOf(mb.Settings)}}
	}
	if s.o.Mail != nil {
		st, err := s.o.Mail.Settings(ctx)
		if err != nil {
			return nil, err
		}
		if st.Receive == mailer.ReceiveIMAP && st.IMAP.Host != "" {
			mb := &email.IMAPMailbox{Settings: mailer.ToIMAP(st.IMAP), Resolver: s.o.Resolver, RootCAs: s.o.RootCAs,
				Logger: s.log.With("mailbox", "installation"), MinBackoff: s.o.IMAPMinBackoff, Resync: s.o.IMAPResync}
			out["imap:installation"] = watched{lease: "imap:installation", print: fingerprint(st.IMAP), mailbox: mb,
				handler: mailboxHandler{s: s, mailbox: "installation", folder: folderOf(mb.Settings)}}
		}
	}
	return out, nil
}

func folderOf(st email.IMAPSettings) string {
	if st.Folder == "" {
		return "INBOX"
	}
	return st.Folder
}

// fingerprint identifies settings without keeping the password in memory as text.
func fingerprint(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
