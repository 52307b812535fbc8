package mailtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// PostfixHint is how to install Postfix without questions.
const PostfixHint = `echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections && apt-get install -y postfix`

// PostfixOptions shape a Postfix instance.
type PostfixOptions struct {
	// RelayHost is where Postfix sends everything it accepts: "127.0.0.1:port" of a Sink.
	RelayHost string
	// Hostname is Postfix's own name (in its banner, Received fields and bounces).
	Hostname string
	// Cert, when set, offers STARTTLS.
	Cert *Cert
}

// Postfix is a Postfix instance of its own: configuration, queue and data directories in a
// temporary directory, listening on a loopback port, relaying all mail to one host. The system's
// Postfix, if any, is left alone.
type Postfix struct {
	Host string // 127.0.0.1
	Port int
	dir  string
	conf string
}

// ErrPostfixMissing says Postfix is not installed (or cannot run here).
var ErrPostfixMissing = errors.New("postfix is not installed")

// NewPostfix starts an instance; Stop stops it. Tests that share one instance per test binary
// start it once (in a sync.Once) and stop it from TestMain.
func NewPostfix(opts PostfixOptions) (*Postfix, error) {
	if _, err := exec.LookPath("postfix"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPostfixMissing, err)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: postfix must be started as root", ErrPostfixMissing)
	}
	pfUser, err := user.Lookup("postfix")
	if err != nil {
		return nil, fmt.Errorf("%w: no postfix user", ErrPostfixMissing)
	}
	dir, err := os.MkdirTemp("", "parley-postfix-")
	if err != nil {
		return nil, err
	}
	p := &Postfix{Host: "127.0.0.1", dir: dir, conf: filepath.Join(dir, "etc")}
	fail := func(err error) (*Postfix, error) {
		p.Stop()
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	for _, sub := range []string{"etc", "spool", "data"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return fail(err)
		}
	}
	uid, _ := strconv.Atoi(pfUser.Uid)
	if err := os.Chown(filepath.Join(dir, "data"), uid, -1); err != nil {
		return fail(err)
	}
	_, relayPort, err := net.SplitHostPort(opts.RelayHost)
	if err != nil {
		return fail(fmt.Errorf("relay host %q: %w", opts.RelayHost, err))
	}
	port, err := pickPort()
	if err != nil {
		return fail(err)
	}
	p.Port = port
	if opts.Hostname == "" {
		opts.Hostname = "relay.parley.test"
	}
	main := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/spool
data_directory = %[1]s/data
myhostname = %[2]s
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost = [127.0.0.1]:%[3]s
default_transport = smtp
relay_transport = smtp
smtp_dns_support_level = disabled
smtp_tls_security_level = none
biff = no
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
syslog_name = postfix-parley-test
delay_warning_time = 0
bounce_queue_lifetime = 0
maximal_queue_lifetime = 1h
`, dir, opts.Hostname, relayPort)
	if opts.Cert != nil {
		main += fmt.Sprintf("smtpd_tls_security_level = may\nsmtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n", opts.Cert.CertFile, opts.Cert.KeyFile)
	} else {
		main += "smtpd_tls_security_level = none\n"
	}
	if err := os.WriteFile(filepath.Join(p.conf, "main.cf"), []byte(main), 0o644); err != nil {
		return fail(err)
	}
	master, err := masterCF(port)
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(p.conf, "master.cf"), []byte(master), 0o644); err != nil {
		return fail(err)
	}
	if out, err := p.postfix("post-install", "create-missing"); err != nil {
		return fail(fmt.Errorf("postfix post-install: %v\n%s", err, out))
	}
	if out, err := p.postfix("start"); err != nil {
		return fail(fmt.Errorf("postfix start: %v\n%s\n%s", err, out, p.Log()))
	}
	if err := waitPort(port, 15*time.Second, nil); err != nil {
		return fail(fmt.Errorf("postfix did not come up: %v\n%s", err, p.Log()))
	}
	return p, nil
}

// masterCF is the system's master.cf with the smtpd service moved to port, not chrooted (the
// instance has no chroot set up).
func masterCF(port int) (string, error) {
	f, err := os.Open("/etc/postfix/master.cf")
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 8 && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, " ") {
			if fields[0] == "smtp" && fields[1] == "inet" {
				fields[0] = "127.0.0.1:" + strconv.Itoa(port)
			}
			fields[4] = "n" // chroot
			line = strings.Join(fields, " ")
		}
		b.WriteString(line + "\n")
	}
	return b.String(), sc.Err()
}

func (p *Postfix) postfix(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "postfix", append([]string{"-c", p.conf}, args...)...)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Addr is "127.0.0.1:port".
func (p *Postfix) Addr() string { return fmt.Sprintf("%s:%d", p.Host, p.Port) }

// Log returns Postfix's log so far.
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "maillog"))
	return string(b)
}

// Stop stops the instance, waits for its master process to end and removes its directory.
func (p *Postfix) Stop() {
	pidFile := filepath.Join(p.dir, "spool", "pid", "master.pid")
	if b, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			_, _ = p.postfix("stop")
			deadline := time.Now().Add(15 * time.Second)
			for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if syscall.Kill(pid, 0) == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	_ = os.RemoveAll(p.dir)
}

func pickPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
