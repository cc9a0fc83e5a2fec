// Package doccheck keeps the docs honest: its tests read the Markdown pages in
// docs/ and check them against the code, so a renamed function or a missing
// API fails `go test ./...` instead of leaving a page that lies.
package doccheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Symbols is what one package declares at top level, for checking names such
// as `IOLoop.AddHandler` or `Fetch` against it.
type Symbols struct {
	// Names holds top-level funcs, types (aliases too), vars and consts.
	Names map[string]bool
	// Members maps a type name to its methods and struct fields.
	Members map[string]map[string]bool
	// Embeds maps a type name to the in-package types it embeds (struct
	// fields without names, or the target of an alias), whose members it has.
	Embeds map[string][]string
}

// LoadSymbols parses the non-test Go files of the package in dir, for every
// GOOS (so linux-only and darwin-only files both count).
func LoadSymbols(dir string) (*Symbols, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Symbols{Names: map[string]bool{}, Members: map[string]map[string]bool{}, Embeds: map[string][]string{}}
	found := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		found = true
		s.addFile(f)
	}
	if !found {
		return nil, fmt.Errorf("doccheck: no Go files in %s", dir)
	}
	return s, nil
}

func (s *Symbols) member(typ, name string) {
	if s.Members[typ] == nil {
		s.Members[typ] = map[string]bool{}
	}
	s.Members[typ][name] = true
}

func (s *Symbols) addFile(f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 {
				s.Names[d.Name.Name] = true
				continue
			}
			s.member(receiverName(d.Recv.List[0].Type), d.Name.Name)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					s.Names[sp.Name.Name] = true
					s.addType(sp)
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						s.Names[n.Name] = true
					}
				}
			}
		}
	}
}

func (s *Symbols) addType(sp *ast.TypeSpec) {
	name := sp.Name.Name
	if sp.Assign.IsValid() { // an alias: type SSLIOStream = IOStream
		if id := typeName(sp.Type); id != "" {
			s.Embeds[name] = append(s.Embeds[name], id)
		}
		return
	}
	switch t := sp.Type.(type) {
	case *ast.StructType:
		for _, field := range t.Fields.List {
			if len(field.Names) == 0 {
				if id := typeName(field.Type); id != "" {
					s.Embeds[name] = append(s.Embeds[name], id)
					s.member(name, id)
				}
				continue
			}
			for _, n := range field.Names {
				s.member(name, n.Name)
			}
		}
	case *ast.InterfaceType:
		for _, m := range t.Methods.List {
			for _, n := range m.Names {
				s.member(name, n.Name)
			}
		}
	}
}

// Has reports whether ref, "Name" or "Type.Member", is declared.
func (s *Symbols) Has(ref string) bool {
	typ, member, ok := strings.Cut(ref, ".")
	if !ok {
		return s.Names[ref]
	}
	if !s.Names[typ] {
		return false
	}
	seen := map[string]bool{}
	var has func(t string) bool
	has = func(t string) bool {
		if seen[t] {
			return false
		}
		seen[t] = true
		if s.Members[t][member] {
			return true
		}
		for _, e := range s.Embeds[t] {
			if has(e) {
				return true
			}
		}
		return false
	}
	return has(typ)
}

// List returns every "Name" and "Type.Member" declared, sorted: handy to
// print when writing a page.
func (s *Symbols) List() []string {
	var out []string
	for n := range s.Names {
		if ast.IsExported(n) {
			out = append(out, n)
		}
	}
	for t, ms := range s.Members {
		for m := range ms {
			if ast.IsExported(t) && ast.IsExported(m) {
				out = append(out, t+"."+m)
			}
		}
	}
	sort.Strings(out)
	return out
}

func receiverName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverName(t.X)
	case *ast.IndexExpr: // Future[T]
		return receiverName(t.X)
	case *ast.IndexListExpr:
		return receiverName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

// typeName is the in-package type an embedded field or alias names, or "".
func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.IndexExpr:
		return typeName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}
