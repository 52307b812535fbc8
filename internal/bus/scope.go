package bus

import (
	"context"
	"strings"
)

// Scoped is a view of a Bus whose subjects carry an installation's id ("parley.X" becomes
// "parley.<id>.X"), so installations sharing one NATS never hear each other's events.
type Scoped struct {
	b      *Bus
	prefix string
}

// Scope returns the view of b for installation id.
func Scope(b *Bus, id string) *Scoped { return &Scoped{b: b, prefix: "parley." + id + "."} }

func (s *Scoped) subject(subject string) string {
	return s.prefix + strings.TrimPrefix(subject, "parley.")
}

// Publish publishes on the installation's subject.
func (s *Scoped) Publish(ctx context.Context, subject string, data []byte) error {
	return s.b.Publish(ctx, s.subject(subject), data)
}

// Subscribe subscribes to the installation's subject; fn sees the subject without the scope.
func (s *Scoped) Subscribe(ctx context.Context, subject string, fn func(subject string, data []byte)) error {
	return s.b.Subscribe(ctx, s.subject(subject), func(got string, data []byte) {
		fn("parley."+strings.TrimPrefix(got, s.prefix), data)
	})
}
