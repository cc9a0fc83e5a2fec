// Package tracetest makes the stack traces that the chapters quote the same
// on every machine. A Go trace names each frame's file by its absolute path,
// so a trace copied from a test's output carries the directory the
// repository was checked out in and the one Go was installed in; Relative
// rewrites those to paths relative to the repository and to $GOROOT, and the
// tests that print a trace for a chapter print and check the rewritten one.
package tracetest

import (
	"path/filepath"
	"runtime"
	"strings"
)

// Relative returns trace with the repository's directory removed from its
// file paths (/home/me/gornado/stage2-callbacks/loop.go becomes
// stage2-callbacks/loop.go) and Go's installation directory written $GOROOT
// ($GOROOT/src/runtime/panic.go).
func Relative(trace string) string {
	if root := repoRoot(); root != "" {
		trace = strings.ReplaceAll(trace, root+"/", "")
	}
	if goroot := goRoot(); goroot != "" {
		trace = strings.ReplaceAll(trace, goroot+"/", "$GOROOT/")
	}
	return trace
}

// repoRoot is the repository's directory: two above this file's.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// goRoot is the Go installation the test binary was built from, read off the
// file of a standard library function on the caller's stack (testing's
// tRunner runs every test), since runtime.GOROOT is deprecated.
func goRoot() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		if i := strings.LastIndex(f.File, "/src/testing/"); i >= 0 && strings.HasPrefix(f.Function, "testing.") {
			return f.File[:i]
		}
		if !more {
			return ""
		}
	}
}
