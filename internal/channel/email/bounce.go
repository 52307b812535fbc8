package email

import (
	"bufio"
	"bytes"
	"io"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// Bounce is a delivery status notification (RFC 3464): a multipart/report with
// report-type=delivery-status, sent by a mail server about a message it could not deliver (or
// delayed). OriginalMessageID matches it to the message Parley sent.
type Bounce struct {
	ReportingMTA string
	Recipients   []BounceRecipient
	// OriginalMessageID is the Message-ID of the message the report is about, from the copy of its
	// header the report carries (or an Original-Message-ID field, which some servers add).
	OriginalMessageID string
	OriginalHeader    textproto.MIMEHeader // the original's header fields, when the report has them
}

// BounceRecipient is the report about one recipient.
type BounceRecipient struct {
	Address    string // Final-Recipient (or Original-Recipient), without the "rfc822;" type
	Action     string // failed, delayed, delivered, relayed or expanded
	Status     string // the enhanced status code, e.g. "5.1.1"
	Diagnostic string // what the remote server said, e.g. "smtp; 550 5.1.1 no such user"
}

// Failed reports whether the bounce says the message could not be delivered to someone (as
// opposed to a delay warning).
func (b *Bounce) Failed() bool {
	for _, r := range b.Recipients {
		if strings.EqualFold(r.Action, "failed") {
			return true
		}
	}
	return false
}

// readBounce finds a delivery-status report in the MIME tree and reads it.
func readBounce(root *enmime.Part) *Bounce {
	if root == nil || !strings.EqualFold(root.ContentType, "multipart/report") {
		return nil
	}
	if rt := root.ContentTypeParams["report-type"]; rt != "" && !strings.EqualFold(rt, "delivery-status") {
		return nil // a read receipt (disposition-notification) or another report
	}
	var status, original *enmime.Part
	for p := root.FirstChild; p != nil; p = p.NextSibling {
		switch strings.ToLower(p.ContentType) {
		case "message/delivery-status", "message/global-delivery-status":
			if status == nil {
				status = p
			}
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
			if original == nil {
				original = p
			}
		}
	}
	if status == nil {
		return nil
	}
	b := &Bounce{}
	fields := readFieldGroups(status.Content)
	for i, f := range fields {
		if i == 0 && (f.Get("Reporting-Mta") != "" || f.Get("Arrival-Date") != "" || f.Get("Received-From-Mta") != "") {
			b.ReportingMTA = typedValue(f.Get("Reporting-Mta"))
			if id := messageIDs(f.Get("Original-Message-Id")); len(id) > 0 {
				b.OriginalMessageID = id[0]
			}
			continue
		}
		rcpt := BounceRecipient{
			Address:    typedValue(f.Get("Final-Recipient")),
			Action:     strings.ToLower(strings.TrimSpace(f.Get("Action"))),
			Status:     strings.TrimSpace(f.Get("Status")),
			Diagnostic: strings.TrimSpace(f.Get("Diagnostic-Code")),
		}
		if rcpt.Address == "" {
			rcpt.Address = typedValue(f.Get("Original-Recipient"))
		}
		if st, _, ok := strings.Cut(rcpt.Status, " "); ok {
			rcpt.Status = st // "5.1.1 (bad destination mailbox)"
		}
		if rcpt.Address != "" || rcpt.Action != "" {
			b.Recipients = append(b.Recipients, rcpt)
		}
	}
	if original != nil {
		h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(original.Content))).ReadMIMEHeader()
		if len(h) > 0 {
			b.OriginalHeader = h
			if id := messageIDs(headerValue(h, "Message-ID")); len(id) > 0 {
				b.OriginalMessageID = id[0]
			}
		}
	}
	if b.OriginalMessageID == "" {
		// Exchange and others put the original's id on the report's own header.
		if id := messageIDs(headerValue(root.Header, "X-Original-Message-ID")); len(id) > 0 {
			b.OriginalMessageID = id[0]
		}
	}
	return b
}

// readFieldGroups reads the blocks of header-like fields of a delivery-status body, separated by
// blank lines (the per-message block, then one per recipient). It reads what it can.
func readFieldGroups(data []byte) []textproto.MIMEHeader {
	var out []textproto.MIMEHeader
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	for _, block := range bytes.Split(data, []byte("\n\n")) {
		block = bytes.TrimSpace(block)
		if len(block) == 0 {
			continue
		}
		r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(block), strings.NewReader("\n\n"))))
		h, _ := r.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
	}
	return out
}

// typedValue strips the type of a DSN address field: "rfc822; user@example.com" gives the address.
func typedValue(v string) string {
	v = strings.TrimSpace(v)
	if _, after, ok := strings.Cut(v, ";"); ok {
		v = strings.TrimSpace(after)
	}
	return strings.Trim(v, "<>")
}
