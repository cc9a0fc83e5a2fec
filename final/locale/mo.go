// GNU gettext's compiled catalogs (.mo files): reading them into a
// moCatalog, as Python's gettext.GNUTranslations does for Tornado's
// GettextLocale.

package locale

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// moCatalog holds one .mo file's messages. A message with a plural has
// all its translated forms under its singular msgid; one without, its
// translation. Keys of messages with a context are "context\x04msgid", as
// msgfmt writes them.
type moCatalog struct {
	single map[string]string
	plural map[string][]string
	// pluralIndex is the Plural-Forms expression: the index of the form
	// for a count. Without the header it is n != 1, Python's default.
	pluralIndex func(n int64) int64
}

// contextSeparator joins a message's context to it in a .mo key.
const contextSeparator = "\x04"

// translate is Python's gettext (plural empty) or ngettext: a missing
// message, or a plural form the expression points past, gives the
// English string back.
func (c *moCatalog) translate(message, plural string, count int) string {
	if plural == "" {
		if s, ok := c.single[message]; ok {
			return s
		}
		return message
	}
	if forms, ok := c.plural[message]; ok {
		if i := c.pluralIndex(int64(count)); i >= 0 && i < int64(len(forms)) {
			return forms[i]
		}
	}
	if count == 1 {
		return message
	}
	return plural
}

// pgettext looks for the message under its context, as Tornado's
// GettextLocale.pgettext does: a message missing there is given back in
// English, while a plural one is looked for again without the context.
func (c *moCatalog) pgettext(context, message, plural string, count int) string {
	key := context + contextSeparator + message
	if plural == "" {
		if _, ok := c.single[key]; ok {
			return c.translate(key, "", 0)
		}
		return message
	}
	if _, ok := c.plural[key]; ok {
		return c.translate(key, plural, count)
	}
	return c.translate(message, plural, count)
}

// The .mo header, as GNU gettext's manual ("The Format of GNU MO Files")
// lays it out: magic number, revision, number of strings N, offset of the
// table of originals, offset of the table of translations (then a hash
// table, not needed to read every string). Each table has N entries of
// (length, offset), the string being length bytes at offset (a NUL
// follows, not counted).
const (
	moMagic      = 0x950412de
	moHeaderSize = 28
)

// parseMO reads the .mo file name, whose bytes are data. Every length and
// offset is checked against the file before it is used: a hostile or
// truncated file gives a *ParseError, never an index out of range.
func parseMO(name string, data []byte) (*moCatalog, error) {
	fail := func(line int, err error) (*moCatalog, error) {
		return nil, &ParseError{File: name, Line: line, Err: err}
	}
	if len(data) < moHeaderSize {
		return fail(0, ErrMOFormat)
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(data) {
	case moMagic:
	case 0xde120495:
		order = binary.BigEndian
	default:
		return fail(0, ErrMOFormat)
	}
	// Major revisions 0 and 1 are the ones Python reads.
	if rev := order.Uint32(data[4:]); rev>>16 > 1 {
		return fail(0, ErrMOFormat)
	}
	n := uint64(order.Uint32(data[8:]))
	origs, trans := uint64(order.Uint32(data[12:])), uint64(order.Uint32(data[16:]))
	size := uint64(len(data))
	if origs+n*8 > size || trans+n*8 > size {
		return fail(0, ErrMOFormat)
	}
	str := func(table, i uint64) (string, bool) {
		e := table + i*8
		l, off := uint64(order.Uint32(data[e:])), uint64(order.Uint32(data[e+4:]))
		if off+l > size {
			return "", false
		}
		return string(data[off : off+l]), true
	}
	c := &moCatalog{
		single:      make(map[string]string, n),
		plural:      map[string][]string{},
		pluralIndex: func(n int64) int64 { return b2i(n != 1) },
	}
	for i := range n {
		msg, ok1 := str(origs, i)
		tmsg, ok2 := str(trans, i)
		if !ok1 || !ok2 {
			return fail(int(i)+1, ErrMOFormat)
		}
		if !utf8.ValidString(msg) || !utf8.ValidString(tmsg) {
			return fail(int(i)+1, ErrEncoding)
		}
		if msg == "" {
			// The header (msgid ""), first in a sorted file: its charset
			// must be UTF-8, and its Plural-Forms says how to choose a
			// plural.
			if err := c.readHeader(tmsg); err != nil {
				return fail(int(i)+1, err)
			}
		}
		if one, _, ok := strings.Cut(msg, "\x00"); ok {
			c.plural[one] = strings.Split(tmsg, "\x00")
			continue
		}
		c.single[msg] = tmsg
	}
	return c, nil
}

// readHeader reads the catalog's metadata, "Name: value" lines.
func (c *moCatalog) readHeader(h string) error {
	for _, line := range strings.Split(h, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "content-type":
			_, cs, ok := strings.Cut(v, "charset=")
			cs = strings.ToLower(strings.TrimSpace(cs))
			// "CHARSET" is the placeholder of a template msgfmt compiled
			// with a warning; every string is checked for UTF-8 anyway.
			if ok && cs != "utf-8" && cs != "utf8" && cs != "ascii" && cs != "us-ascii" && cs != "charset" {
				return ErrCharset
			}
		case "plural-forms":
			// "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : ...);"
			_, expr, ok := strings.Cut(v, "plural=")
			if !ok {
				return ErrPluralForms
			}
			expr = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(expr), ";"))
			f, err := parsePlural(expr)
			if err != nil {
				return err
			}
			c.pluralIndex = f
		}
	}
	return nil
}

// b2i is C's bool to int.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ---- Plural-Forms -------------------------------------------------------

// maxPluralDepth bounds the nesting of a Plural-Forms expression: real
// ones nest a few levels, and a hostile header must not recurse deeply.
const maxPluralDepth = 64

// pluralParser reads gettext's subset of C expressions, as Python's
// gettext.c2py does: the variable n, decimal numbers, parentheses, the
// unary !, the binary * / % + - < <= > >= == != && || and ?:, with C's
// precedence and associativity. It compiles to nested closures.
type pluralParser struct {
	s     string
	depth int
}

// pluralFunc is a compiled expression.
type pluralFunc = func(n int64) int64

// parsePlural compiles expr.
func parsePlural(expr string) (pluralFunc, error) {
	p := &pluralParser{s: expr}
	f, ok := p.ternary()
	if !ok || p.skip() != "" {
		return nil, ErrPluralForms
	}
	return f, nil
}

// skip drops leading spaces and returns the rest.
func (p *pluralParser) skip() string {
	p.s = strings.TrimLeft(p.s, " \t\r\n")
	return p.s
}

// eat consumes op if the input starts with it (and not with a longer
// operator that begins so: "<" is not "<=", "!" is not "!=").
func (p *pluralParser) eat(op string) bool {
	s := p.skip()
	if !strings.HasPrefix(s, op) {
		return false
	}
	if (op == "<" || op == ">" || op == "!") && len(s) > 1 && s[1] == '=' {
		return false
	}
	p.s = s[len(op):]
	return true
}

// ternary is cond ? a : b (right-associative), or an ||-expression.
func (p *pluralParser) ternary() (pluralFunc, bool) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxPluralDepth {
		return nil, false
	}
	cond, ok := p.binary(0)
	if !ok || !p.eat("?") {
		return cond, ok
	}
	a, ok := p.ternary()
	if !ok || !p.eat(":") {
		return nil, false
	}
	b, ok := p.ternary()
	if !ok {
		return nil, false
	}
	return func(n int64) int64 {
		if cond(n) != 0 {
			return a(n)
		}
		return b(n)
	}, true
}

// levels are the binary operators from the loosest to the tightest.
var levels = [][]string{{"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"}}

// binary reads a left-associative chain of the operators of levels[lvl].
func (p *pluralParser) binary(lvl int) (pluralFunc, bool) {
	if lvl == len(levels) {
		return p.unary()
	}
	left, ok := p.binary(lvl + 1)
	for ok {
		op := ""
		for _, o := range levels[lvl] {
			if p.eat(o) {
				op = o
				break
			}
		}
		if op == "" {
			return left, true
		}
		var right pluralFunc
		if right, ok = p.binary(lvl + 1); ok {
			left = combine(op, left, right)
		}
	}
	return nil, false
}

// combine applies op to the results of a and b. Division by zero gives 0
// rather than a panic; the form index it leads to is then checked like
// any other.
func combine(op string, a, b pluralFunc) pluralFunc {
	switch op {
	case "||":
		return func(n int64) int64 { return b2i(a(n) != 0 || b(n) != 0) }
	case "&&":
		return func(n int64) int64 { return b2i(a(n) != 0 && b(n) != 0) }
	case "==":
		return func(n int64) int64 { return b2i(a(n) == b(n)) }
	case "!=":
		return func(n int64) int64 { return b2i(a(n) != b(n)) }
	case "<=":
		return func(n int64) int64 { return b2i(a(n) <= b(n)) }
	case ">=":
		return func(n int64) int64 { return b2i(a(n) >= b(n)) }
	case "<":
		return func(n int64) int64 { return b2i(a(n) < b(n)) }
	case ">":
		return func(n int64) int64 { return b2i(a(n) > b(n)) }
	case "+":
		return func(n int64) int64 { return a(n) + b(n) }
	case "-":
		return func(n int64) int64 { return a(n) - b(n) }
	case "*":
		return func(n int64) int64 { return a(n) * b(n) }
	case "/":
		return func(n int64) int64 {
			if d := b(n); d != 0 {
				return a(n) / d
			}
			return 0
		}
	default: // "%"
		return func(n int64) int64 {
			if d := b(n); d != 0 {
				return a(n) % d
			}
			return 0
		}
	}
}

// unary is !x, or a primary: n, a number, or a parenthesized expression.
func (p *pluralParser) unary() (pluralFunc, bool) {
	if p.eat("!") {
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxPluralDepth {
			return nil, false
		}
		x, ok := p.unary()
		if !ok {
			return nil, false
		}
		return func(n int64) int64 { return b2i(x(n) == 0) }, true
	}
	s := p.skip()
	switch {
	case s == "":
		return nil, false
	case s[0] == 'n':
		p.s = s[1:]
		return func(n int64) int64 { return n }, true
	case s[0] == '(':
		p.s = s[1:]
		x, ok := p.ternary()
		if !ok || !p.eat(")") {
			return nil, false
		}
		return x, true
	case s[0] >= '0' && s[0] <= '9':
		var v int64
		i := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if v > 1<<40 {
				return nil, false
			}
			v = v*10 + int64(s[i]-'0')
		}
		p.s = s[i:]
		return func(int64) int64 { return v }, true
	}
	return nil, false
}

// isMO reports a .mo file's name, whose ParseError counts messages rather
// than lines.
func isMO(name string) bool { return strings.HasSuffix(name, ".mo") }
