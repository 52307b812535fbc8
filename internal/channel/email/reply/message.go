package reply

import (
	"bytes"

	"github.com/jhillyerd/enmime/v2"

	"github.com/parleyhq/parley/internal/errs"
)

// SplitMessage decodes a whole RFC 822 message and splits the reply in its first text/plain
// part, or in its HTML part when it has no plain text.
func SplitMessage(raw []byte) (Result, error) {
	// No HTML-to-text conversion: SplitHTML reads the HTML itself, structure included.
	p := enmime.NewParser(enmime.DisableTextConversion(true))
	env, err := p.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return Result{}, errs.Wrap(errs.Invalid, err, "the message could not be read as MIME")
	}
	// The first text part, not enmime's Text, which joins every text/plain part of a mixed
	// message with "--" lines (a signature delimiter to us).
	plain := env.Root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/plain" && p.Disposition != "attachment"
	})
	switch {
	case plain != nil:
		return Split(string(plain.Content)), nil
	case env.Text != "":
		return Split(env.Text), nil
	case env.HTML != "":
		return SplitHTML(env.HTML), nil
	}
	return Result{}, nil
}
