// Package email is the transport of Parley's email channel: it sends mail over SMTP, parses what
// comes in, receives mail as an MX (the SMTP listener) and fetches it from a mailbox over IMAP. It
// knows nothing of the database: the channel seam calls it through small interfaces (Deliverer for
// the listener, MailboxHandler for IMAP) and stores what it is given, idempotently by Message-ID.
//
// Everything that reaches the network can be pointed elsewhere for tests: a Resolver for DNS, a
// pool of root certificates for TLS.
package email
