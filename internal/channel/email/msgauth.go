package email

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/mail"
	"net/textproto"
	"strings"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// checkAuth runs SPF (RFC 7208), DKIM (RFC 6376) and DMARC (RFC 7489) for a message received
// directly from ip, looking records up with r. It returns the verdicts and, per method, the
// properties to write next to them in Authentication-Results.
func checkAuth(ctx context.Context, r Resolver, ip net.IP, helo, mailFrom string, raw []byte) (AuthResults, map[string]string) {
	var ar AuthResults
	props := map[string]string{}
	lookupTXT := func(name string) ([]string, error) { return r.LookupTXT(ctx, name) }

	// SPF checks the envelope sender's domain, or the HELO name for a bounce (empty MAIL FROM).
	spfDomain := domainOf(mailFrom)
	if mailFrom == "" {
		spfDomain = helo
		props["spf"] = "smtp.helo=" + helo
	} else {
		props["spf"] = "smtp.mailfrom=" + mailFrom
	}
	res, _ := spf.CheckHostWithSender(ip, helo, mailFrom, spf.WithResolver(r), spf.WithContext(ctx))
	ar.SPF = string(res)
	if ar.SPF == "" {
		ar.SPF = "none"
	}

	var dkimPass []string
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookupTXT, MaxVerifications: 5})
	switch {
	case err != nil && !errors.Is(err, dkim.ErrTooManySignatures):
		ar.DKIM = "permerror"
	case len(verifs) == 0:
		ar.DKIM = "none"
	default:
		ar.DKIM = "fail"
		for _, v := range verifs {
			switch {
			case v.Err == nil:
				ar.DKIM = "pass"
				dkimPass = append(dkimPass, v.Domain)
			case ar.DKIM == "pass":
			case dkim.IsTempFail(v.Err):
				ar.DKIM = "temperror"
			case dkim.IsPermFail(v.Err) && ar.DKIM != "temperror":
				ar.DKIM = "permerror"
			}
		}
		if len(dkimPass) > 0 {
			props["dkim"] = "header.d=" + dkimPass[0]
		}
	}

	fromDomain := headerFromDomain(raw)
	if fromDomain == "" {
		ar.DMARC = "none"
		return ar, props
	}
	props["dmarc"] = "header.from=" + fromDomain
	rec, err := lookupDMARC(fromDomain, lookupTXT)
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		ar.DMARC = "none"
		return ar, props
	case dmarc.IsTempFail(err):
		ar.DMARC = "temperror"
		return ar, props
	case err != nil:
		ar.DMARC = "permerror"
		return ar, props
	}
	ar.DMARC = "fail"
	if ar.SPF == "pass" && aligned(spfDomain, fromDomain, rec.SPFAlignment) {
		ar.DMARC = "pass"
	}
	for _, d := range dkimPass {
		if aligned(d, fromDomain, rec.DKIMAlignment) {
			ar.DMARC = "pass"
		}
	}
	if rec.Policy != "" {
		props["dmarc"] += " policy.dmarc=" + string(rec.Policy)
	}
	return ar, props
}

// lookupDMARC finds the DMARC record of domain, or of its organisational domain when domain has none.
func lookupDMARC(domain string, lookupTXT func(string) ([]string, error)) (*dmarc.Record, error) {
	opts := &dmarc.LookupOptions{LookupTXT: lookupTXT}
	rec, err := dmarc.LookupWithOptions(domain, opts)
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := orgDomain(domain); org != domain {
			rec, err = dmarc.LookupWithOptions(org, opts)
		}
	}
	return rec, err
}

// aligned tells whether an authenticated domain is aligned with the From domain: the same
// organisational domain in relaxed mode, the same domain in strict mode.
func aligned(authenticated, from string, mode dmarc.AlignmentMode) bool {
	a, f := strings.ToLower(strings.TrimSuffix(authenticated, ".")), strings.ToLower(strings.TrimSuffix(from, "."))
	if mode == dmarc.AlignmentStrict {
		return a == f
	}
	return orgDomain(a) == orgDomain(f)
}

func orgDomain(domain string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(domain)); err == nil {
		return d
	}
	return strings.ToLower(domain)
}

// headerFromDomain returns the domain of the message's From address, or "" when it has none that
// can be read.
func headerFromDomain(raw []byte) string {
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	from := headerValue(h, "From")
	if from == "" {
		return ""
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return ""
	}
	if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
		return strings.ToLower(a.Address[i+1:])
	}
	return ""
}
