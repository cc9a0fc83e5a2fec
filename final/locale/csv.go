// Tornado's CSV translation files: reading them into a csvCatalog.

package locale

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// csvCatalog holds one CSV file's translations by plural form, as
// Tornado's CSVLocale does: a line without a plural indicator (or with
// "unknown") goes to unknown, and Translate with a plural looks in
// singular or plural by the count.
type csvCatalog struct {
	unknown, singular, plural map[string]string
}

func (c *csvCatalog) translate(message, plural string, count int) string {
	m := c.unknown
	if plural != "" {
		if count != 1 {
			message, m = plural, c.plural
		} else {
			m = c.singular
		}
	}
	if s, ok := m[message]; ok {
		return s
	}
	return message
}

// pgettext ignores the context: the CSV format has none.
func (c *csvCatalog) pgettext(_, message, plural string, count int) string {
	return c.translate(message, plural, count)
}

// noCatalog is the default locale's: every string is its own translation.
type noCatalog struct{}

func (noCatalog) translate(message, plural string, count int) string {
	if plural != "" && count != 1 {
		return plural
	}
	return message
}

func (n noCatalog) pgettext(_, message, plural string, count int) string {
	return n.translate(message, plural, count)
}

// Byte order marks Tornado's load_translations recognizes.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// parseCSV reads the translation file name, whose bytes are data.
func parseCSV(name string, data []byte) (*csvCatalog, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	c := &csvCatalog{unknown: map[string]string{}, singular: map[string]string{}, plural: map[string]string{}}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1 // checked below, with the line number
	r.ReuseRecord = true
	for {
		row, err := r.Read()
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ParseError{File: name, Line: pe.Line, Err: pe.Err}
			}
			return nil, &ParseError{File: name, Err: err}
		}
		line, _ := r.FieldPos(0)
		if len(row) < 2 || len(row) > 3 {
			return nil, &ParseError{File: name, Line: line, Err: ErrColumns}
		}
		for i := range row {
			if !utf8.ValidString(row[i]) {
				return nil, &ParseError{File: name, Line: line, Err: ErrEncoding}
			}
			row[i] = strings.TrimSpace(row[i])
		}
		m := c.unknown
		if len(row) == 3 {
			switch row[2] {
			case "", "unknown":
			case "singular":
				m = c.singular
			case "plural":
				m = c.plural
			default:
				return nil, &ParseError{File: name, Line: line, Err: ErrPluralIndicator}
			}
		}
		m[row[0]] = row[1]
	}
}

// decodeText returns data as UTF-8 text: without a UTF-8 byte order mark,
// or decoded from UTF-16 when a UTF-16 mark starts it (Tornado's BOM
// detection, for files saved by Excel). UTF-8 is checked line by line by
// the caller, which knows the line numbers.
func decodeText(data []byte) (string, error) {
	var be bool
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return string(data[len(bomUTF8):]), nil
	case bytes.HasPrefix(data, bomUTF16LE):
	case bytes.HasPrefix(data, bomUTF16BE):
		be = true
	default:
		return string(data), nil
	}
	data = data[2:]
	if len(data)%2 != 0 {
		return "", ErrEncoding
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		lo, hi := data[2*i], data[2*i+1]
		if be {
			lo, hi = hi, lo
		}
		units[i] = uint16(lo) | uint16(hi)<<8
	}
	for i := 0; i < len(units); i++ {
		// A lone surrogate would come out as U+FFFD, silently.
		switch u := units[i]; {
		case utf16.IsSurrogate(rune(u)) && u < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] < 0xE000:
			i++
		case utf16.IsSurrogate(rune(u)):
			return "", ErrEncoding
		}
	}
	return string(utf16.Decode(units)), nil
}
