// The errors Load and LoadGettext return for a translation file they
// cannot read.

package locale

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, each wrapped in a *ParseError that names the file (and
// the line) where it was found; test for them with errors.Is.
var (
	// ErrLocaleName: a translation file or directory is not named like a
	// locale code ("es" or "es_LA", Tornado's [a-z]+(_[A-Z]+)?). Tornado
	// logs the file and skips it; gornado refuses the set, so that
	// "es-LA.csv" is not shipped untranslated without anyone noticing.
	ErrLocaleName = errors.New("locale: name is not a locale code like es or es_LA")
	// ErrColumns: a CSV line has not 2 or 3 columns (original,
	// translation, plural indicator). Tornado skips a line with fewer and
	// ignores the extra columns of a longer one.
	ErrColumns = errors.New("locale: a line needs 2 or 3 columns")
	// ErrPluralIndicator: the third column is none of plural, singular,
	// unknown or empty (Tornado logs the line and skips it).
	ErrPluralIndicator = errors.New("locale: plural indicator is not plural, singular or unknown")
	// ErrEncoding: text that is not UTF-8 (or a UTF-16 file with a byte
	// order mark that does not decode).
	ErrEncoding = errors.New("locale: text is not valid UTF-8")
	// ErrMOFormat: a .mo file whose header or tables are not those of
	// GNU gettext's format (bad magic number, unknown major revision, an
	// offset or length outside the file).
	ErrMOFormat = errors.New("locale: not a valid .mo file")
	// ErrCharset: a .mo catalog whose Content-Type names a charset other
	// than UTF-8 (or ASCII, its subset).
	ErrCharset = errors.New("locale: .mo charset is not UTF-8")
	// ErrPluralForms: the Plural-Forms expression of a .mo header does not
	// parse as gettext's C subset.
	ErrPluralForms = errors.New("locale: bad Plural-Forms expression")
)

// ParseError is a translation file that could not be loaded: the file,
// where in it, and why (one of the sentinels above, or encoding/csv's
// syntax error).
type ParseError struct {
	// File is the file's path inside the file system given to Load or
	// LoadGettext ("es_LA.csv", "fr/LC_MESSAGES/app.mo").
	File string
	// Line is the 1-based line of a CSV file, or the 1-based number of the
	// message in a .mo file; 0 when the error is about the whole file.
	Line int
	// Err is the reason.
	Err error
}

// Error reads "locale: es_LA.csv:3: a line needs 2 or 3 columns", the
// file and line first as compilers write them, so that an editor can jump
// there.
func (e *ParseError) Error() string {
	why := strings.TrimPrefix(fmt.Sprint(e.Err), "locale: ")
	switch {
	case e.Line == 0:
		return fmt.Sprintf("locale: %s: %s", e.File, why)
	case isMO(e.File):
		return fmt.Sprintf("locale: %s: message %d: %s", e.File, e.Line, why)
	default:
		return fmt.Sprintf("locale: %s:%d: %s", e.File, e.Line, why)
	}
}

// Unwrap returns Err, for errors.Is and errors.As.
func (e *ParseError) Unwrap() error { return e.Err }
