package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/sealbox"
)

// Config is Settle's configuration: flags with environment fallbacks.
type Config struct {
	Addr        string // SETTLE_ADDR
	BaseURL     string // SETTLE_BASE_URL
	DatabaseURL string // DATABASE_URL
	DataDir     string // SETTLE_DATA_DIR
	SessionKeys string // SETTLE_SESSION_KEYS
	Demo        bool   // SETTLE_DEMO
	LogFormat   string // SETTLE_LOG_FORMAT: json, text or auto
	Workers     bool   // SETTLE_WORKERS: run the job workers inside serve

	noDemo *bool
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return def
}

// registerCommon adds the flags every subcommand shares: where the
// database is.
func (c *Config) registerCommon(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", env("SETTLE_DATA_DIR", ".settle"),
		"directory of the embedded PostgreSQL cluster and local state, used when DATABASE_URL is unset (env SETTLE_DATA_DIR)")
	c.DatabaseURL = os.Getenv("DATABASE_URL")
	fs.StringVar(&c.LogFormat, "log-format", env("SETTLE_LOG_FORMAT", "auto"),
		"log format: json, text, or auto (text on a terminal, else JSON) (env SETTLE_LOG_FORMAT)")
}

// registerServe adds the flags of settle serve.
func (c *Config) registerServe(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", env("SETTLE_ADDR", "localhost:8080"),
		"address to listen on; use :8080 to listen on every interface (env SETTLE_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", env("SETTLE_BASE_URL", ""),
		"public URL of Settle, used in links; https enables secure cookies and HSTS (env SETTLE_BASE_URL; default http://<addr>)")
	fs.BoolVar(&c.Workers, "workers", envBool("SETTLE_WORKERS", true),
		"run the background workers (webhooks, email, SMS) in this process; use 'settle worker' to run them alone (env SETTLE_WORKERS)")
	noDemo := fs.Bool("no-demo", false, "do not seed demo data or log one-time codes (env SETTLE_DEMO=false)")
	c.Demo = true
	c.SessionKeys = os.Getenv("SETTLE_SESSION_KEYS")
	c.noDemo = noDemo
}

// finish resolves defaults that depend on other values.
func (c *Config) finish() error {
	if c.noDemo != nil {
		// Demo data is on by default with the embedded database, off with
		// DATABASE_URL (a real server), and SETTLE_DEMO overrides both.
		c.Demo = envBool("SETTLE_DEMO", c.DatabaseURL == "") && !*c.noDemo
	}
	if c.BaseURL == "" {
		addr := c.Addr
		if addr == "" {
			addr = "localhost:8080"
		}
		c.BaseURL = "http://" + displayAddr(addr)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("SETTLE_BASE_URL must start with http:// or https://, got %q", c.BaseURL)
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		return fmt.Errorf("--log-format must be json, text or auto, got %q", c.LogFormat)
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return err
	}
	c.DataDir = abs
	return nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// sessionKeys returns the cookie key pairs: from SETTLE_SESSION_KEYS
// (comma-separated base64 keys of 64 bytes each, newest first), else from
// a key file in the data dir, made on first use.
func (c *Config) sessionKeys() ([][]byte, bool, error) {
	raw := c.SessionKeys
	generated := false
	if raw == "" {
		path := filepath.Join(c.DataDir, "session.key")
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
				return nil, false, err
			}
			b = []byte(newSessionKey() + "\n")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return nil, false, fmt.Errorf("write %s: %w", path, err)
			}
			generated = true
		} else if err != nil {
			return nil, false, err
		}
		raw = strings.TrimSpace(string(b))
	}
	var pairs [][]byte
	for _, k := range strings.Split(raw, ",") {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k))
		if err != nil || len(b) != 64 {
			return nil, false, errors.New("SETTLE_SESSION_KEYS: each key must be 64 random bytes in base64 (make one with: settle keygen)")
		}
		pairs = append(pairs, b[:32], b[32:])
	}
	return pairs, generated, nil
}

func newSessionKey() string {
	b := make([]byte, 64)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// secretBox returns the box that seals secrets at rest (creditors' Mollie
// keys): SETTLE_SECRET_KEY (base64, 32 bytes), else a key file in the data
// dir, made on first use.
func (c *Config) secretBox() (*sealbox.Box, error) {
	key, err := c.secretKey()
	if err != nil {
		return nil, err
	}
	return sealbox.New(key)
}

// secretKey reads (or on first use makes) the installation's secret key.
func (c *Config) secretKey() ([]byte, error) {
	raw := os.Getenv("SETTLE_SECRET_KEY")
	if raw == "" {
		path := filepath.Join(c.DataDir, "secret.key")
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
				return nil, err
			}
			k := make([]byte, sealbox.KeySize)
			rand.Read(k)
			b = []byte(base64.StdEncoding.EncodeToString(k) + "\n")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return nil, fmt.Errorf("write %s: %w", path, err)
			}
		} else if err != nil {
			return nil, err
		}
		raw = strings.TrimSpace(string(b))
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != sealbox.KeySize {
		return nil, errors.New("SETTLE_SECRET_KEY must be 32 random bytes in base64 (head -c32 /dev/urandom | base64)")
	}
	return key, nil
}
