package mailtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testenv"
)

// DovecotOptions shape a Dovecot instance.
type DovecotOptions struct {
	// Cert, when set, turns on STARTTLS on Port and TLS on TLSPort.
	Cert *Cert
	// NoIdle leaves IDLE out of the capabilities, so clients must poll.
	NoIdle bool
}

// Dovecot is an IMAP server of its own, configured and kept in a temporary directory, with one user
// (User, Password) whose mail lives in a maildir there.
type Dovecot struct {
	Host     string // 127.0.0.1
	Port     int    // IMAP (STARTTLS offered when a certificate is set)
	TLSPort  int    // IMAPS, when a certificate is set
	User     string
	Password string

	dir  string
	conf string
	cmd  *exec.Cmd
	t    testing.TB
}

const dovecotHint = "apt-get install -y dovecot-imapd"

// StartDovecot starts Dovecot for the test and stops it in the test's cleanup.
func StartDovecot(t testing.TB, opts DovecotOptions) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		testenv.Missing(t, "dovecot", dovecotHint)
	}
	if _, err := exec.LookPath("doveadm"); err != nil {
		testenv.Missing(t, "doveadm", dovecotHint)
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, to run dovecot", "run the mail tests as root (dovecot switches to the dovecot user)")
	}
	mailUser, err := user.Lookup("dovecot")
	if err != nil {
		testenv.Missing(t, "the dovecot system user", dovecotHint)
	}
	if _, err := user.Lookup("dovenull"); err != nil {
		testenv.Missing(t, "the dovenull system user", dovecotHint)
	}

	// Dovecot's unprivileged processes must reach the directory, and it keeps sockets there: a
	// short path of our own, readable by all, rather than the test's private temporary directory.
	dir, err := os.MkdirTemp("", "parley-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(mailUser.Uid)
	gid, _ := strconv.Atoi(mailUser.Gid)
	if err := os.Chown(filepath.Join(dir, "mail"), uid, gid); err != nil {
		t.Fatal(err)
	}

	d := &Dovecot{Host: "127.0.0.1", User: "agent@parley.test", Password: "secret-" + strconv.FormatInt(time.Now().UnixNano(), 36), dir: dir, t: t}
	d.Port = freePort(t)
	if opts.Cert != nil {
		d.TLSPort = freePort(t)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(d.User+":{PLAIN}"+d.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, `base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = %[2]s
listen = 127.0.0.1
protocols = imap
log_path = %[1]s/dovecot.log
mail_location = maildir:%[1]s/mail/%%u
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=%[1]s/mail/%%u
}
`, dir, filepath.Base(dir))
	if opts.Cert != nil {
		fmt.Fprintf(&conf, "ssl = yes\nssl_cert = <%s\nssl_key = <%s\n", opts.Cert.CertFile, opts.Cert.KeyFile)
	} else {
		conf.WriteString("ssl = no\n")
	}
	if opts.NoIdle {
		conf.WriteString("imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS\n")
	}
	fmt.Fprintf(&conf, "service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = %d\n  }\n  inet_listener imaps {\n    address = 127.0.0.1\n    port = %d\n  }\n}\n", d.Port, d.TLSPort)
	d.conf = filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(d.conf, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	// -F keeps the master process in the foreground, a child of the test that it can stop.
	d.cmd = exec.Command(bin, "-F", "-c", d.conf)
	var out bytes.Buffer
	d.cmd.Stdout, d.cmd.Stderr = &out, &out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		if t.Failed() {
			d.dumpLog()
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = d.cmd.Process.Kill()
			<-exited
		}
	})
	if err := waitPort(d.Port, 15*time.Second, exited); err != nil {
		d.dumpLog()
		t.Fatalf("dovecot did not come up: %v\n%s", err, out.String())
	}
	return d
}

func (d *Dovecot) dumpLog() {
	if b, err := os.ReadFile(filepath.Join(d.dir, "dovecot.log")); err == nil {
		d.t.Logf("dovecot log:\n%s", b)
	}
}

// Append puts raw into folder of the user's mailbox with doveadm, the way a delivery would, without
// going through the code under test.
func (d *Dovecot) Append(t testing.TB, folder string, raw []byte) {
	t.Helper()
	d.doveadm(t, bytes.NewReader(raw), "save", "-u", d.User, "-m", folder)
}

// CreateFolder makes a folder in the user's mailbox.
func (d *Dovecot) CreateFolder(t testing.TB, folder string) {
	t.Helper()
	d.doveadm(t, nil, "mailbox", "create", "-u", d.User, folder)
}

// SetUIDValidity renumbers a folder, as a restore or a recreated folder does on a real server.
func (d *Dovecot) SetUIDValidity(t testing.TB, folder string, validity uint32) {
	t.Helper()
	d.doveadm(t, nil, "mailbox", "update", "-u", d.User, "--uid-validity", strconv.FormatUint(uint64(validity), 10), folder)
}

func (d *Dovecot) doveadm(t testing.TB, stdin *bytes.Reader, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "doveadm", append([]string{"-c", d.conf}, args...)...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("doveadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitPort waits until something accepts connections on the loopback port, the process behind it
// exits, or timeout passes.
func waitPort(port int, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-exited:
			return fmt.Errorf("the server exited")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
