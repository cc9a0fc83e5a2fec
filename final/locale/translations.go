// Translations: a loaded set of locales and the choice of the closest one,
// Tornado's module-level state of tornado.locale made a value.

package locale

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultLocaleCode is the locale Get falls back to until SetDefaultLocale
// or WithDefaultLocale says otherwise, Tornado's: the program's own strings
// are taken to be American English.
const DefaultLocaleCode = "en_US"

// Translations is a set of supported locales, each with its translations,
// and the default locale: the language the program's strings are written
// in, which needs no translation file. Load and LoadGettext make one;
// after that it is never modified (WithDefaultLocale returns a new set),
// so any number of loops and goroutines may call Get at once.
//
// The zero value has no translations and DefaultLocaleCode as its default.
//
// Tornado keeps this state in module globals; gornado keeps one set in the
// package too (Current, LoadTranslations, Get ...), and a program that
// wants two sets, or a set chosen per Application (web's
// Settings.Translations), holds the values itself.
type Translations struct {
	// def is the default locale's code; locales holds a Locale for every
	// supported code, def included; codes are those codes, sorted.
	def     string
	locales map[string]*Locale
	codes   []string
}

// newTranslations makes a set of the catalogs in cats (by code) with def
// as the default locale.
func newTranslations(cats map[string]catalog, def string) *Translations {
	if def == "" {
		def = DefaultLocaleCode
	}
	t := &Translations{def: def, locales: make(map[string]*Locale, len(cats)+1)}
	for code, c := range cats {
		t.locales[code] = newLocale(code, c)
	}
	if _, ok := t.locales[def]; !ok {
		t.locales[def] = newLocale(def, noCatalog{})
	}
	for code := range t.locales {
		t.codes = append(t.codes, code)
	}
	slices.Sort(t.codes)
	return t
}

// localeCode is the form of a translation file's name, Tornado's
// [a-z]+(_[A-Z]+)?.
var localeCode = regexp.MustCompile(`^[a-z]+(_[A-Z]+)?$`)

// maxCodeLen bounds a locale code, so that Get normalizes codes in a
// buffer on its stack: real codes have 2 to 6 letters, and BCP 47 itself
// bounds a tag's parts at 8 letters. A longer file name is refused
// (ErrLocaleName), and a longer code given to Get matches nothing.
const maxCodeLen = 31

// validCode reports a name Load accepts as a locale code.
func validCode(code string) bool { return len(code) <= maxCodeLen && localeCode.MatchString(code) }

// Load reads the CSV translation files at the top of fsys (an os.DirFS,
// or an embed.FS after fs.Sub), Tornado's load_translations: each file is
// named for its locale, "es_LA.csv", and each line is
//
//	"original","translation"[,"plural"|"singular"|"unknown"]
//
// in Excel's CSV dialect (fields quoted with ", "" for a quote inside,
// no space after the commas), each field trimmed of surrounding
// whitespace. A string with singular and plural forms has a line for each.
// Files are UTF-8, with or without a byte order mark, or UTF-16 with one,
// as Tornado detects. Files not ending in .csv are ignored.
//
// Unlike Tornado, which logs a bad file or line and goes on, Load fails on
// the first one with a *ParseError naming the file and line, so that a
// broken translation does not ship unnoticed. The default locale of the
// set is DefaultLocaleCode.
func Load(fsys fs.FS) (*Translations, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	cats := map[string]catalog{}
	for _, e := range entries {
		name := e.Name()
		code, ok := strings.CutSuffix(name, ".csv")
		if !ok || e.IsDir() {
			continue
		}
		if !validCode(code) {
			return nil, &ParseError{File: name, Err: ErrLocaleName}
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		c, err := parseCSV(name, data)
		if err != nil {
			return nil, err
		}
		cats[code] = c
	}
	return newTranslations(cats, DefaultLocaleCode), nil
}

// LoadGettext reads gettext's compiled catalogs from fsys, laid out like
// /usr/share/locale, Tornado's load_gettext_translations:
//
//	<lang>/LC_MESSAGES/<domain>.mo
//
// made by msgfmt from .po files. Each <lang> directory with that file is a
// supported locale; its Plural-Forms header chooses among plural forms,
// and Pgettext finds messages by their msgctxt. A malformed file fails the
// load with a *ParseError (Tornado logs it and skips the language).
func LoadGettext(fsys fs.FS, domain string) (*Translations, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	cats := map[string]catalog{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := e.Name() + "/LC_MESSAGES/" + domain + ".mo"
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		if !validCode(e.Name()) {
			return nil, &ParseError{File: name, Err: ErrLocaleName}
		}
		c, err := parseMO(name, data)
		if err != nil {
			return nil, err
		}
		cats[e.Name()] = c
	}
	return newTranslations(cats, DefaultLocaleCode), nil
}

// WithDefaultLocale returns a set with the same translations and code as
// its default locale, Tornado's set_default_locale: Get falls back to it,
// and it is supported whether or not a file translates it.
func (t *Translations) WithDefaultLocale(code string) *Translations {
	cats := make(map[string]catalog, len(t.locales))
	for c, l := range t.locales {
		if _, none := l.cat.(noCatalog); !none {
			cats[c] = l.cat
		}
	}
	return newTranslations(cats, code)
}

// DefaultLocale returns the default locale's code.
func (t *Translations) DefaultLocale() string { return t.defaultLocale().code }

// SupportedLocales returns the codes of the supported locales, sorted: one
// per translation file, and the default locale.
func (t *Translations) SupportedLocales() []string {
	if t.codes == nil {
		return []string{DefaultLocaleCode}
	}
	return slices.Clone(t.codes)
}

// untranslated is the default locale of a zero Translations.
var untranslated = newLocale(DefaultLocaleCode, noCatalog{})

// defaultLocale returns the default locale.
func (t *Translations) defaultLocale() *Locale {
	if l := t.locales[t.def]; l != nil {
		return l
	}
	return untranslated
}

// Get returns the supported locale closest to the first of codes that has
// one, Tornado's Locale.get_closest: each code is written as language_
// REGION ("es-la" and "es_LA" alike), then taken if supported, else its
// language alone ("es") if that is supported; codes of more than two parts
// (or over 31 bytes) are passed over. With no match, it returns the default locale. A
// language alone does not match a longer code: "es" finds es.csv, not
// es_LA.csv, as in Tornado.
func (t *Translations) Get(codes ...string) *Locale {
	var buf [32]byte
	for _, code := range codes {
		lang, region, ok := splitCode(code)
		if !ok {
			continue
		}
		// The lookups use string(bytes) keys, which do not allocate.
		n := copy(buf[:], lang)
		lower(buf[:n])
		if region != "" {
			buf[n] = '_'
			m := n + 1 + copy(buf[n+1:], region)
			upper(buf[n+1 : m])
			if l, ok := t.locales[string(buf[:m])]; ok {
				return l
			}
		} else if l, ok := t.locales[code]; ok {
			// A language alone is tried as written first, as Tornado
			// does ("EN" before "en").
			return l
		}
		if l, ok := t.locales[string(buf[:n])]; ok {
			return l
		}
	}
	return t.defaultLocale()
}

// splitCode splits a locale code at its one "-" or "_" (either); ok is
// false for an empty code, one of more than two parts, or one longer than
// maxCodeLen.
func splitCode(code string) (lang, region string, ok bool) {
	if code == "" || len(code) > maxCodeLen {
		return "", "", false
	}
	i := strings.IndexAny(code, "-_")
	if i < 0 {
		return code, "", true
	}
	lang, region = code[:i], code[i+1:]
	if strings.ContainsAny(region, "-_") {
		return "", "", false
	}
	return lang, region, true
}

// lower and upper change ASCII letters in place.
func lower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

func upper(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}

// ---- the package's set, Tornado's module-level API ------------------------

// current is the package's set, read by Get without a lock; changes are
// made under currentMu so that two of them do not lose each other.
var (
	current   atomic.Pointer[Translations]
	currentMu sync.Mutex
)

func init() { current.Store(newTranslations(nil, DefaultLocaleCode)) }

// Current returns the package's set of translations: none, and en_US as
// the default locale, until LoadTranslations, LoadGettextTranslations,
// SetCurrent or SetDefaultLocale changes it.
func Current() *Translations { return current.Load() }

// SetCurrent makes t the package's set, for translations loaded with Load
// from an embed.FS. Requests already running keep the locale they chose.
func SetCurrent(t *Translations) {
	currentMu.Lock()
	defer currentMu.Unlock()
	current.Store(t)
}

// LoadTranslations loads the CSV files in dir (Load) as the package's set,
// keeping its default locale, Tornado's load_translations.
func LoadTranslations(dir string) error {
	return replaceCurrent(func() (*Translations, error) { return Load(os.DirFS(dir)) })
}

// LoadGettextTranslations loads dir/<lang>/LC_MESSAGES/<domain>.mo
// (LoadGettext) as the package's set, keeping its default locale,
// Tornado's load_gettext_translations.
func LoadGettextTranslations(dir, domain string) error {
	return replaceCurrent(func() (*Translations, error) { return LoadGettext(os.DirFS(dir), domain) })
}

// replaceCurrent makes load's set the package's, with the default locale
// the package's had; on an error the package's set is left as it was.
func replaceCurrent(load func() (*Translations, error)) error {
	t, err := load()
	if err != nil {
		return err
	}
	currentMu.Lock()
	defer currentMu.Unlock()
	if def := current.Load().DefaultLocale(); def != t.def {
		t = t.WithDefaultLocale(def)
	}
	current.Store(t)
	return nil
}

// SetDefaultLocale sets the default locale of the package's set, Tornado's
// set_default_locale.
func SetDefaultLocale(code string) {
	currentMu.Lock()
	defer currentMu.Unlock()
	current.Store(current.Load().WithDefaultLocale(code))
}

// Get returns the closest locale of the package's set (Translations.Get),
// Tornado's locale.get.
func Get(codes ...string) *Locale { return current.Load().Get(codes...) }

// SupportedLocales returns the codes the package's set supports, Tornado's
// get_supported_locales.
func SupportedLocales() []string { return current.Load().SupportedLocales() }
