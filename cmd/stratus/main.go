// Command stratus is the Stratus server and its small command-line companion.
//
//	stratus server [--listen ADDR] [--data-dir DIR] [--root-key-file FILE]
//	stratus env    [--data-dir DIR]
//	stratus audit  verify|events --data-dir DIR
//	stratus sign   --profile-name NAME --in code.zip --out signed.zip
//	stratus version
//
// main only parses flags and the environment into a config and calls run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/sandbox/launch"
	"github.com/stratus-cloud/stratus/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// The sandbox launcher re-executes this binary as each execution
	// environment's init; that must run before anything else.
	if launch.Main(os.Args) {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code)) // the command has said why
		}
		fmt.Fprintln(os.Stderr, "stratus:", err)
		os.Exit(1)
	}
}

const usage = `usage: stratus <command> [flags]

commands:
  server    start the Stratus API server
  env       print export lines for the AWS CLI and SDKs
  audit     read and verify the audit trail: stratus audit verify|events --data-dir DIR (see stratus audit -h)
  rootkey   rotate the root key: stratus rootkey rotate --data-dir DIR --new-root-key-file NEW (server stopped)
  sign      sign a Lambda zip: stratus sign --profile-name NAME [--profile-owner ACCOUNT] --in code.zip --out signed.zip
  version   print the version
`

// exitCode is a command's exit status after it has reported why itself.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	def, err := config.Default(config.Env{
		Home:          getenv("HOME"),
		XDGDataHome:   getenv("XDG_DATA_HOME"),
		XDGConfigHome: getenv("XDG_CONFIG_HOME"),
	})
	if err != nil {
		return err
	}
	switch args[0] {
	case "server":
		return runServer(ctx, def, args[1:], stdout, stderr, getenv)
	case "env":
		return runEnv(def, args[1:], stdout, stderr)
	case "sign":
		return signCommand(ctx, args[1:], stdout, stderr)
	case "rootkey":
		return rootkeyCommand(ctx, def, args[1:], stdout, stderr)
	case "audit":
		if code := auditCommand(ctx, args[1:], stdout, stderr); code != 0 {
			return exitCode(code)
		}
		return nil
	case "version":
		fmt.Fprintln(stdout, "stratus", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runServer(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "TCP address to listen on")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.RootKeyFile, "root-key-file", cfg.RootKeyFile, "root key file (created on first start); STRATUS_ROOT_KEY (base64) overrides it")
	fs.StringVar(&cfg.Region, "region", cfg.Region, "default region")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	fs.IntVar(&cfg.Lambda.ConcurrencyLimit, "lambda-concurrency-limit", cfg.Lambda.ConcurrencyLimit, "concurrent Lambda executions per account")
	fs.DurationVar(&cfg.Lambda.FreezeAfter, "lambda-freeze-after", cfg.Lambda.FreezeAfter, "idle time before an execution environment is frozen (at most 100ms)")
	fs.DurationVar(&cfg.Lambda.IdleTimeout, "lambda-idle-timeout", cfg.Lambda.IdleTimeout, "idle time before an execution environment is shut down")
	fs.DurationVar(&cfg.Lambda.RetryDelay, "lambda-retry-delay", cfg.Lambda.RetryDelay, "wait before retrying a failed asynchronous invocation (doubled for the second retry)")
	fs.BoolVar(&cfg.TLS.Enabled, "tls", cfg.TLS.Enabled, "serve HTTPS (TLS 1.2 or later); without --tls-cert/--tls-key, with a certificate from a CA made in DATA_DIR/tls (ca.pem)")
	fs.StringVar(&cfg.TLS.CertFile, "tls-cert", cfg.TLS.CertFile, "server certificate (PEM) for --tls")
	fs.StringVar(&cfg.TLS.KeyFile, "tls-key", cfg.TLS.KeyFile, "server private key (PEM) for --tls")
	fs.BoolVar(&cfg.TLS.InsecureHTTP, "insecure-http", cfg.TLS.InsecureHTTP, "allow plain HTTP on an address other than loopback")
	fs.StringVar(&cfg.Lambda.RunDir, "run-dir", cfg.Lambda.RunDir, "working files and extracted function code (default DATA_DIR/run; disk, not tmpfs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.RootKey = getenv("STRATUS_ROOT_KEY")
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return server.Run(ctx, cfg, log, stdout)
}

func runEnv(cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory of the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	creds, err := server.ReadCredentials(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("read credentials (has the server been started with this --data-dir?): %w", err)
	}
	endpoint, err := server.ReadEndpoint(cfg.DataDir)
	if err != nil {
		endpoint = "http://" + cfg.Listen
	}
	if strings.HasPrefix(endpoint, "https://") {
		if ca := server.CAFile(cfg.DataDir); fileExists(ca) {
			fmt.Fprintf(stdout, "export AWS_CA_BUNDLE=%s\n", shellQuote(ca))
		}
	}
	for _, kv := range [][2]string{
		{"AWS_ENDPOINT_URL", endpoint},
		{"AWS_ACCESS_KEY_ID", creds.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey},
		{"AWS_REGION", cfg.Region},
		{"AWS_DEFAULT_REGION", cfg.Region},
	} {
		fmt.Fprintf(stdout, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	fmt.Fprintln(stdout, "unset AWS_SESSION_TOKEN AWS_PROFILE")
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
