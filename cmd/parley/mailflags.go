package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/mailer"
)

// mailSettings are the installation's mail as the --mail-* flags give it; nil when --mail-smtp is
// not set (the admin area's settings apply).
func (c *Config) mailSettings() (*mailer.Settings, error) {
	if c.MailSMTP == "" {
		if c.MailFrom != "" || c.MailReplyDomain != "" || c.MailIMAP != "" {
			return nil, fmt.Errorf("--mail-from, --mail-reply-domain and --mail-imap go with --mail-smtp")
		}
		return nil, nil
	}
	st := &mailer.Settings{ReplyDomain: c.MailReplyDomain}
	host, port, user, pass, sec, _, err := serverURL(c.MailSMTP, "smtp", map[string]email.Security{"smtp": email.SecuritySTARTTLS, "smtps": email.SecurityTLS})
	if err != nil {
		return nil, fmt.Errorf("--mail-smtp: %w", err)
	}
	st.SMTP = mailer.SMTP{Host: host, Port: port, Username: user, Password: pass, Security: sec}
	if c.MailFrom == "" {
		return nil, fmt.Errorf("--mail-smtp needs --mail-from")
	}
	from, err := mail.ParseAddress(c.MailFrom)
	if err != nil {
		return nil, fmt.Errorf("--mail-from %q: %v", c.MailFrom, err)
	}
	st.FromAddress, st.FromName = from.Address, from.Name
	if c.MailIMAP != "" {
		host, port, user, pass, sec, folder, err := serverURL(c.MailIMAP, "imap", map[string]email.Security{"imap": email.SecuritySTARTTLS, "imaps": email.SecurityTLS})
		if err != nil {
			return nil, fmt.Errorf("--mail-imap: %w", err)
		}
		st.Receive = mailer.ReceiveIMAP
		st.IMAP = mailer.IMAP{Host: host, Port: port, Username: user, Password: pass, Security: sec, Folder: folder}
	} else if c.MailReplyDomain != "" {
		st.Receive = mailer.ReceiveListener
	}
	if err := mailer.Validate(st); err != nil {
		return nil, fmt.Errorf("the --mail-* flags: %w", err)
	}
	return st, nil
}

// serverURL reads scheme://user:password@host:port/path?security=none|starttls|tls.
func serverURL(raw, what string, schemes map[string]email.Security) (host string, port int, user, pass string, sec email.Security, path string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "", "", "", "", err
	}
	sec, ok := schemes[u.Scheme]
	if !ok {
		return "", 0, "", "", "", "", fmt.Errorf("a %s URL starts with %s:// or %ss://", what, what, what)
	}
	if v := u.Query().Get("security"); v != "" {
		sec = email.Security(v)
	}
	host = u.Hostname()
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return "", 0, "", "", "", "", fmt.Errorf("port %q", p)
		}
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	return host, port, user, pass, sec, strings.Trim(u.Path, "/"), nil
}
