package email

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/testenv"
)

// One Postfix per test binary: starting it takes a few seconds. It relays everything to relaySink
// and offers STARTTLS with relayCert. The sink refuses any recipient at "bounce.test" for good, so
// that Postfix has something to bounce.
var relay struct {
	once sync.Once
	pf   *mailtest.Postfix
	sink *mailtest.Sink
	cert *mailtest.Cert
	dir  string
	err  error
}

func sharedPostfix(t *testing.T) (*mailtest.Postfix, *mailtest.Sink, *mailtest.Cert) {
	t.Helper()
	relay.once.Do(func() {
		relay.dir, relay.err = os.MkdirTemp("", "parley-relay-")
		if relay.err != nil {
			return
		}
		_ = os.Chmod(relay.dir, 0o755)
		relay.cert, relay.err = mailtest.MakeCert(relay.dir)
		if relay.err != nil {
			return
		}
		relay.sink, relay.err = mailtest.NewSink(mailtest.SinkOptions{Reject: func(rcpt string) error {
			if strings.HasSuffix(rcpt, "@bounce.test") {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
			}
			return nil
		}})
		if relay.err != nil {
			return
		}
		relay.pf, relay.err = mailtest.NewPostfix(mailtest.PostfixOptions{RelayHost: relay.sink.Addr(), Cert: relay.cert})
	})
	if errors.Is(relay.err, mailtest.ErrPostfixMissing) {
		testenv.Missing(t, "postfix", mailtest.PostfixHint)
	}
	if relay.err != nil {
		t.Fatalf("postfix: %v", relay.err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("postfix log:\n%s", relay.pf.Log())
		}
	})
	return relay.pf, relay.sink, relay.cert
}

func TestMain(m *testing.M) {
	code := m.Run()
	if relay.pf != nil {
		relay.pf.Stop()
	}
	if relay.sink != nil {
		relay.sink.Close()
	}
	if relay.dir != "" {
		_ = os.RemoveAll(relay.dir)
	}
	os.Exit(code)
}
