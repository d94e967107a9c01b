package localpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned (possibly wrapped) by [FindBinDir] and [Start]
// when the PostgreSQL server binaries cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found: " +
	"install them (Debian/Ubuntu: apt install postgresql; macOS: brew install postgresql) " +
	"or set PG_BINDIR, or set DATABASE_URL to use an existing server")

// FindBinDir returns the directory holding the initdb and postgres binaries.
// It looks, in order, at $PG_BINDIR, `pg_config --bindir`, the newest
// /usr/lib/postgresql/*/bin (Debian and Ubuntu) and the directories of initdb
// and postgres on $PATH.
func FindBinDir() (string, error) {
	if dir := os.Getenv("PG_BINDIR"); dir != "" {
		if hasServerBinaries(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("localpg: PG_BINDIR=%s does not contain initdb and postgres: %w", dir, ErrNoBinaries)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); dir != "" && hasServerBinaries(dir) {
			return dir, nil
		}
	}
	if dir := newestDebianBinDir("/usr/lib/postgresql"); dir != "" {
		return dir, nil
	}
	for _, name := range []string{"initdb", "postgres"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		for _, cand := range []string{p, resolve(p)} {
			if dir := filepath.Dir(cand); hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	return "", ErrNoBinaries
}

func resolve(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// newestDebianBinDir returns root/<highest version>/bin if it holds the
// server binaries, else "".
func newestDebianBinDir(root string) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return ""
	}
	type cand struct {
		ver []int
		dir string
	}
	var cands []cand
	for _, e := range entries {
		dir := filepath.Join(root, e.Name(), "bin")
		if !hasServerBinaries(dir) {
			continue
		}
		var ver []int
		for _, part := range strings.Split(e.Name(), ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				n = -1
			}
			ver = append(ver, n)
		}
		cands = append(cands, cand{ver, dir})
	}
	if len(cands) == 0 {
		return ""
	}
	sort.Slice(cands, func(i, j int) bool { return versionLess(cands[i].ver, cands[j].ver) })
	return cands[len(cands)-1].dir
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}
