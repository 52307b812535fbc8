// Package mailtest gives tests real mail software on loopback, started and stopped by the tests
// themselves: an in-process SMTP sink that records what it receives (Sink), Dovecot serving IMAP
// from a temporary directory (Dovecot), Postfix relaying to a sink (Postfix), swaks as an outside
// client (Swaks), a certificate for TLS (NewCert) and a DNS without a network (DNS).
//
// A test that needs a program that is not installed skips (fails in CI) through testenv.Missing
// with the apt-get line that installs it.
package mailtest
