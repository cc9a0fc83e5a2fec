// The tree under test: the programs built from a checkout of the repository,
// so that the same scenarios measure the base commit now and a fixed tree
// later.

package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// clientSource is the client-side program (hostileclient/main.go), built
// against the tree's final/ in a module of its own.
//
//go:embed hostileclient/main.go
var clientSource []byte

// tree is a checkout of the repository and the programs built from it.
type tree struct {
	// dir is the checkout's absolute path.
	dir string
	// bin is the directory the programs are built into.
	bin string

	mu sync.Mutex
	// built caches each program's path or build error by name.
	built map[string]buildResult
}

// buildResult is one go build's outcome.
type buildResult struct {
	path string
	err  error
}

// newTree checks that dir is a gornado checkout.
func newTree(dir, bin string) (*tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("-tree %s: %w", dir, err)
	}
	if !strings.HasPrefix(string(b), "module github.com/gornado/gornado\n") {
		return nil, fmt.Errorf("-tree %s: go.mod is not module github.com/gornado/gornado", dir)
	}
	return &tree{dir: abs, bin: bin, built: map[string]buildResult{}}, nil
}

// revision describes the checkout: its commit, the commit that last
// changed final/, and whether final/ has changes not committed, which the
// figures then include.
func (t *tree) revision() string {
	out, err := exec.Command("git", "-C", t.dir, "log", "-1", "--format=%h %s").Output()
	if err != nil {
		return "(not a git checkout)"
	}
	rev := "HEAD " + strings.TrimSpace(string(out))
	// The figures depend on final/ alone: say which commit last changed it.
	if f, err := exec.Command("git", "-C", t.dir, "log", "-1", "--format=%h", "--", "final").Output(); err == nil {
		rev += "; final/ as of " + strings.TrimSpace(string(f))
	}
	st, err := exec.Command("git", "-C", t.dir, "status", "--porcelain", "--", "final").Output()
	if err == nil && len(strings.TrimSpace(string(st))) > 0 {
		rev += " + uncommitted changes in final/"
	}
	return rev
}

// demo builds final/demos/<name> in the tree, once, and returns the binary.
func (t *tree) demo(name string) (string, error) {
	return t.once(name, func(out string) error {
		return t.goBuild(t.dir, out, "./final/demos/"+name)
	})
}

// client builds the client-side program against the tree's final/: its
// source in a temporary module that requires github.com/gornado/gornado
// and replaces it with the tree, with the tree's go.sum for the checksums
// of what final/ imports. -mod=mod lets go build write the indirect
// requirements (x/sys) itself; GOPROXY=off keeps it to the module cache,
// which the tree's own build has filled.
func (t *tree) client() (string, error) {
	return t.once("hostileclient", func(out string) error {
		dir, err := os.MkdirTemp(t.bin, "client-src-")
		if err != nil {
			return err
		}
		gomod := fmt.Sprintf("module hostileclient\n\ngo 1.23.0\n\nrequire github.com/gornado/gornado v0.0.0\n\nreplace github.com/gornado/gornado => %s\n", t.dir)
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
			return err
		}
		if sum, err := os.ReadFile(filepath.Join(t.dir, "go.sum")); err == nil {
			if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), clientSource, 0o644); err != nil {
			return err
		}
		return t.goBuild(dir, out, ".", "GOFLAGS=-mod=mod", "GOPROXY=off")
	})
}

func (t *tree) once(name string, build func(out string) error) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.built[name]; ok {
		return r.path, r.err
	}
	out := filepath.Join(t.bin, name)
	err := build(out)
	if err != nil {
		err = fmt.Errorf("build %s: %w", name, err)
		out = ""
	}
	t.built[name] = buildResult{out, err}
	return out, err
}

// goBuild runs go build -o out pkg in dir.
func (t *tree) goBuild(dir, out, pkg string, env ...string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}
