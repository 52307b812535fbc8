package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/errs"
)

// Step names the stage of a connection to a mail server, so that "test connection" can say exactly
// what failed and a send error can say where it happened.
type Step string

const (
	StepDNS      Step = "dns"      // looking up the server's name
	StepConnect  Step = "connect"  // opening the TCP connection
	StepTLS      Step = "tls"      // TLS handshake or certificate (direct TLS or STARTTLS)
	StepGreeting Step = "greeting" // the server's banner and EHLO, or the IMAP greeting
	StepAuth     Step = "auth"     // login
	StepMailbox  Step = "mailbox"  // SMTP: MAIL FROM or RCPT TO refused; IMAP: the folder
	StepData     Step = "data"     // SMTP: DATA and the message itself
)

// Error codes of connection tests (errs.Error.Code), one per protocol and step, e.g. "smtp_auth" or
// "imap_mailbox".
const (
	CodeSMTPDNS      = "smtp_dns"
	CodeSMTPConnect  = "smtp_connect"
	CodeSMTPTLS      = "smtp_tls"
	CodeSMTPGreeting = "smtp_greeting"
	CodeSMTPAuth     = "smtp_auth"
	CodeSMTPMailbox  = "smtp_mailbox"
	CodeSMTPData     = "smtp_data"
	CodeIMAPDNS      = "imap_dns"
	CodeIMAPConnect  = "imap_connect"
	CodeIMAPTLS      = "imap_tls"
	CodeIMAPGreeting = "imap_greeting"
	CodeIMAPAuth     = "imap_auth"
	CodeIMAPMailbox  = "imap_mailbox"
)

// stepError is an error with the step it happened in; the public forms (errs.Error for tests,
// SendError for sends) are made from it.
type stepError struct {
	step    Step
	message string // what went wrong, for a person; no secrets
	err     error
}

func (e *stepError) Error() string { return e.message + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func failAt(step Step, err error, format string, args ...any) *stepError {
	return &stepError{step: step, message: fmt.Sprintf(format, args...), err: err}
}

// coded turns a failed connection test into an errs.Error whose code names the protocol and step.
// The kind is Invalid: the settings, as given, do not work.
func coded(protocol string, err error) error {
	var se *stepError
	if !errors.As(err, &se) {
		return errs.Wrap(errs.Internal, err, "%s test failed", protocol)
	}
	return &errs.Error{Kind: errs.Invalid, Code: protocol + "_" + string(se.step), Message: se.message, Err: se.err}
}

// Resolver is the DNS the transport uses. *net.Resolver satisfies it; tests pass a fake, since they
// cannot reach DNS. It is also what SPF, DKIM and DMARC checks look records up with.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

func resolverOr(r Resolver) Resolver {
	if r == nil {
		return net.DefaultResolver
	}
	return r
}

// Security is how a connection to a mail server is protected.
type Security string

const (
	SecurityNone     Security = "none"     // plain text; a password is then refused unless the host is loopback
	SecuritySTARTTLS Security = "starttls" // plain connection upgraded with STARTTLS, which must succeed
	SecurityTLS      Security = "tls"      // TLS from the first byte (SMTP port 465, IMAP port 993)
)

func (s Security) valid() bool {
	return s == SecurityNone || s == SecuritySTARTTLS || s == SecurityTLS
}

// dialer opens connections step by step, so a failure names its step.
type dialer struct {
	resolver Resolver
	rootCAs  *x509.CertPool
	timeout  time.Duration
}

// dial resolves host and connects to the first of its addresses that answers.
func (d dialer) dial(ctx context.Context, host string, port int) (net.Conn, error) {
	var ips []string
	if ip := net.ParseIP(host); ip != nil {
		ips = []string{ip.String()}
	} else {
		lctx, cancel := context.WithTimeout(ctx, d.timeout)
		addrs, err := resolverOr(d.resolver).LookupIPAddr(lctx, host)
		cancel()
		if err != nil {
			return nil, failAt(StepDNS, err, "the server name %q could not be looked up", host)
		}
		if len(addrs) == 0 {
			return nil, failAt(StepDNS, errors.New("no addresses"), "the server name %q has no address", host)
		}
		for _, a := range addrs {
			ips = append(ips, a.IP.String())
		}
	}
	var nd net.Dialer
	var last error
	for _, ip := range ips {
		cctx, cancel := context.WithTimeout(ctx, d.timeout)
		conn, err := nd.DialContext(cctx, "tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		cancel()
		if err == nil {
			return conn, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, failAt(StepConnect, last, "could not connect to %s port %d", host, port)
}

func (d dialer) tlsConfig(host string) *tls.Config {
	return &tls.Config{ServerName: host, RootCAs: d.rootCAs, MinVersion: tls.VersionTLS12}
}

// handshake runs the TLS handshake on conn now, so its failure is reported as the TLS step and not
// as whatever command happened to come first.
func (d dialer) handshake(ctx context.Context, conn net.Conn, host string) (*tls.Conn, error) {
	tc := tls.Client(conn, d.tlsConfig(host))
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, tlsFailure(host, err)
	}
	return tc, nil
}

// tlsFailure explains a failed TLS handshake, naming certificate problems plainly.
func tlsFailure(host string, err error) *stepError {
	var (
		hostErr    x509.HostnameError
		unknownCA  x509.UnknownAuthorityError
		invalid    x509.CertificateInvalidError
		recordHdr  tls.RecordHeaderError
		verifyFail *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &hostErr):
		return failAt(StepTLS, err, "the server's certificate is not valid for %q", host)
	case errors.As(err, &unknownCA):
		return failAt(StepTLS, err, "the server's certificate is not signed by a trusted authority")
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return failAt(StepTLS, err, "the server's certificate has expired or is not yet valid")
		}
		return failAt(StepTLS, err, "the server's certificate is not valid")
	case errors.As(err, &verifyFail):
		return failAt(StepTLS, err, "the server's certificate could not be verified")
	case errors.As(err, &recordHdr):
		return failAt(StepTLS, err, "the server did not answer with TLS; check the port and the security setting")
	}
	return failAt(StepTLS, err, "the TLS handshake with %s failed", host)
}

// closeOnCancel closes conn when ctx ends, so a blocked read or write returns; call the returned
// function when done with conn.
func closeOnCancel(ctx context.Context, conn net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = conn.Close() })
}
