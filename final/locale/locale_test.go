package locale

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadCSV loads testdata/csv.
func loadCSV(t *testing.T) *Translations {
	t.Helper()
	tr, err := Load(os.DirFS("testdata/csv"))
	require.NoError(t, err)
	return tr
}

func TestLoadCSV(t *testing.T) {
	tr := loadCSV(t)
	assert.Equal(t, []string{"en_US", "es_LA", "fr_FR"}, tr.SupportedLocales(), "README.txt is not a .csv")
	es := tr.Get("es_LA")
	require.Equal(t, "es_LA", es.Code())
	assert.Equal(t, "Español", es.Name())
	assert.False(t, es.RTL())

	assert.Equal(t, "Te amo", es.Translate("I love you", "", 0))
	assert.Equal(t, "not translated", es.Translate("not translated", "", 0))
	assert.Equal(t, "relleno", es.Translate("padded", "", 0), "fields are trimmed")
	assert.Equal(t, `di "hola"`, es.Translate(`say "hi"`, "", 0), `"" is a quote; "unknown" is no plural`)
	// A plural chooses the form by the count, and each form is looked up
	// among its own lines.
	assert.Equal(t, "A %(name)s le gustó esto", es.Translate("%(name)s liked this", "%(name)s liked these", 1))
	assert.Equal(t, "A %(name)s les gustó esto", es.Translate("%(name)s liked this", "%(name)s liked this", 2))
	assert.Equal(t, "%(name)s liked these", es.Translate("%(name)s liked this", "%(name)s liked these", 0),
		"a plural without a translation is the English plural")
	assert.Equal(t, "%(name)s liked this", es.Translate("%(name)s liked this", "", 0),
		"without a plural, only lines without an indicator count")
	assert.Equal(t, "Te amo", es.Pgettext("ctx", "I love you", "", 0), "CSV has no contexts")

	en := tr.Get("en_US")
	assert.Equal(t, "I love you", en.Translate("I love you", "", 0))
	assert.Equal(t, "clubs", en.Translate("club", "clubs", 2))
}

// TestLoadCSVEncodings: a byte order mark, UTF-8 or UTF-16 either way,
// is read as Tornado reads it (test_csv_bom).
func TestLoadCSVEncodings(t *testing.T) {
	text := "\"school\",\"école\"\n\"😀\",\"ok\"\n"
	u16 := utf16.Encode([]rune(text))
	le, be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
	for _, u := range u16 {
		le = append(le, byte(u), byte(u>>8))
		be = append(be, byte(u>>8), byte(u))
	}
	for name, data := range map[string][]byte{
		"utf-8":     []byte(text),
		"utf-8-sig": append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"utf-16le":  le,
		"utf-16be":  be,
	} {
		t.Run(name, func(t *testing.T) {
			tr, err := Load(fstest.MapFS{"fr_FR.csv": {Data: data}})
			require.NoError(t, err)
			assert.Equal(t, "école", tr.Get("fr_FR").Translate("school", "", 0))
			assert.Equal(t, "ok", tr.Get("fr_FR").Translate("😀", "", 0))
		})
	}
}

// TestLoadCSVErrors: every malformed file fails the load with a
// *ParseError naming the file and the line, and the sentinel.
func TestLoadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		line             int
		want             error
		msg              string
	}{
		{"plural indicator", "es_LA.csv", "\"a\",\"b\"\n\n\"c\",\"d\",\"plurall\"\n", 3, ErrPluralIndicator,
			"locale: es_LA.csv:3: plural indicator is not plural, singular or unknown"},
		{"one column", "es_LA.csv", "\"a\",\"b\"\n\"c\"\n", 2, ErrColumns, "locale: es_LA.csv:2: a line needs 2 or 3 columns"},
		{"four columns", "es.csv", "\"a\",\"b\",\"plural\",\"x\"\n", 1, ErrColumns, ""},
		{"unterminated quote", "es.csv", "\"a\",\"b\"\n\"c\",\"d\n", 2, nil, ""},
		{"bare quote", "es.csv", "a\"b,c\n", 1, nil, ""},
		{"space after comma", "es.csv", "\"a\", \"b\"\n", 1, nil, ""},
		{"invalid UTF-8", "es.csv", "\"a\",\"b\"\n\"c\",\"\xff\"\n", 2, ErrEncoding, ""},
		{"odd UTF-16", "es.csv", "\xff\xfea\x00b", 0, ErrEncoding, "locale: es.csv: text is not valid UTF-8"},
		{"lone surrogate", "es.csv", "\xff\xfe\x00\xd8a\x00", 0, ErrEncoding, ""},
		{"file name", "es-LA.csv", "\"a\",\"b\"\n", 0, ErrLocaleName, ""},
		{"file name case", "ES.csv", "\"a\",\"b\"\n", 0, ErrLocaleName, ""},
		{"file name length", strings.Repeat("a", 32) + ".csv", "\"a\",\"b\"\n", 0, ErrLocaleName, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{tc.file: {Data: []byte(tc.data)}})
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.file, pe.File)
			assert.Equal(t, tc.line, pe.Line)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			if tc.msg != "" {
				assert.Equal(t, tc.msg, err.Error())
			}
		})
	}
}

func TestLoadGettext(t *testing.T) {
	tr, err := LoadGettext(os.DirFS("testdata/gettext"), "gornado_test")
	require.NoError(t, err)
	assert.Equal(t, []string{"en_US", "fr_FR", "ru_RU"}, tr.SupportedLocales())

	// Tornado's test_gettext.
	fr := tr.Get("fr_FR")
	assert.Equal(t, "école", fr.Translate("school", "", 0))
	assert.Equal(t, "le droit", fr.Pgettext("law", "right", "", 0))
	assert.Equal(t, "le bien", fr.Pgettext("good", "right", "", 0))
	assert.Equal(t, "le club", fr.Pgettext("organization", "club", "clubs", 1))
	assert.Equal(t, "les clubs", fr.Pgettext("organization", "club", "clubs", 2))
	assert.Equal(t, "le bâton", fr.Pgettext("stick", "club", "clubs", 1))
	assert.Equal(t, "les bâtons", fr.Pgettext("stick", "club", "clubs", 2))
	assert.Equal(t, "right", fr.Pgettext("unknown", "right", "", 0))
	assert.Equal(t, "school", fr.Pgettext("unknown", "school", "", 0), "no such context: the English, as Tornado")
	assert.Equal(t, "%(n)d fichiers", fr.Pgettext("unknown", "%(n)d file", "%(n)d files", 2), "a plural falls back to no context")
	assert.Equal(t, "right", fr.Translate("right", "", 0), "a message with a context is not found without it")
	// French's Plural-Forms is n > 1: 0 takes the singular.
	assert.Equal(t, "%(n)d fichier", fr.Translate("%(n)d file", "%(n)d files", 0))
	assert.Equal(t, "%(n)d fichiers", fr.Translate("%(n)d file", "%(n)d files", 2))
	assert.Equal(t, "cats", fr.Translate("cat", "cats", 2))

	ru := tr.Get("ru")
	assert.Equal(t, "en_US", ru.Code(), "ru does not match ru_RU (Tornado's get_closest)")
	ru = tr.Get("ru-ru")
	require.Equal(t, "ru_RU", ru.Code())
	for n, want := range map[int]string{1: "файл", 2: "файла", 4: "файла", 5: "файлов", 11: "файлов", 21: "файл", 22: "файла", 112: "файлов"} {
		got := Interpolate(ru.Translate("%(n)d file", "%(n)d files", n), map[string]any{"n": n})
		assert.Equal(t, strings.TrimSpace(strings.Join([]string{itoa(n), want}, " ")), got, "n=%d", n)
	}
	assert.Equal(t, "воскресенье", ru.FormatDay(time.Date(2013, 4, 28, 18, 35, 0, 0, time.UTC), 0, true)[:len("воскресенье")])
}

func itoa(n int) string { return Interpolate("%(n)d", map[string]any{"n": n}) }

// moFile builds a .mo file of msgs (msgid, msgstr pairs, sorted by the
// caller), as msgfmt lays it out, for the hostile cases.
func moFile(msgs ...string) []byte {
	n := len(msgs) / 2
	origs, trans := 28, 28+8*n
	strs := 28 + 16*n
	var tables, data []byte
	put := func(b []byte, v int) []byte { return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	for _, col := range []int{0, 1} {
		for i := 0; i < n; i++ {
			s := msgs[2*i+col]
			tables = put(put(tables, len(s)), strs+len(data))
			data = append(append(data, s...), 0)
		}
	}
	var b []byte
	for _, v := range []int{0x950412de, 0, n, origs, trans, 0, 0} {
		b = put(b, v)
	}
	return append(append(b, tables...), data...)
}

// TestLoadGettextErrors: truncated, corrupt and hostile .mo files fail
// with a *ParseError naming the file (and the message), never a panic.
func TestLoadGettextErrors(t *testing.T) {
	good := moFile("", "Content-Type: text/plain; charset=UTF-8\n", "a", "b")
	_, err := LoadGettext(fstest.MapFS{"es/LC_MESSAGES/d.mo": {Data: good}}, "d")
	require.NoError(t, err, "the builder makes valid files")

	corrupt := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		line int
		want error
	}{
		{"empty", nil, 0, ErrMOFormat},
		{"truncated header", good[:20], 0, ErrMOFormat},
		{"bad magic", corrupt(func(b []byte) { b[0] = 0 }), 0, ErrMOFormat},
		{"major revision 2", corrupt(func(b []byte) { b[6] = 2 }), 0, ErrMOFormat},
		{"count past the end", corrupt(func(b []byte) { b[10] = 0xff }), 0, ErrMOFormat},
		{"table past the end", corrupt(func(b []byte) { b[15] = 0x7f }), 0, ErrMOFormat},
		{"string past the end", corrupt(func(b []byte) { b[28+8+3] = 0x7f }), 2, ErrMOFormat},
		{"length past the end", corrupt(func(b []byte) { b[28+16+8+3] = 0x7f }), 2, ErrMOFormat},
		{"truncated strings", good[:len(good)-3], 2, ErrMOFormat},
		{"invalid UTF-8", moFile("", "", "a", "\xff"), 2, ErrEncoding},
		{"latin-1", moFile("", "Content-Type: text/plain; charset=ISO-8859-1\n"), 1, ErrCharset},
		{"bad plural", moFile("", "Plural-Forms: nplurals=2; plural=(n > ;\n"), 1, ErrPluralForms},
		{"no plural=", moFile("", "Plural-Forms: nplurals=2\n"), 1, ErrPluralForms},
		{"deep plural", moFile("", "Plural-Forms: nplurals=2; plural="+strings.Repeat("(", 10000)+"n"+strings.Repeat(")", 10000)+";\n"), 1, ErrPluralForms},
		{"deep not", moFile("", "Plural-Forms: nplurals=2; plural="+strings.Repeat("!", 10000)+"n;\n"), 1, ErrPluralForms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadGettext(fstest.MapFS{"es/LC_MESSAGES/d.mo": {Data: tc.data}}, "d")
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "es/LC_MESSAGES/d.mo", pe.File)
			assert.Equal(t, tc.line, pe.Line)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	_, err = LoadGettext(fstest.MapFS{"es-LA/LC_MESSAGES/d.mo": {Data: good}}, "d")
	assert.ErrorIs(t, err, ErrLocaleName)
	var pe *ParseError
	_, err = LoadGettext(fstest.MapFS{"es/LC_MESSAGES/d.mo": {Data: moFile("", "", "a", "\xff")}}, "d")
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "locale: es/LC_MESSAGES/d.mo: message 2: text is not valid UTF-8", err.Error())
	tr, err := LoadGettext(fstest.MapFS{"es/LC_MESSAGES/other.mo": {Data: good}, "x.mo": {Data: good}}, "d")
	require.NoError(t, err, "another domain and loose files are not the catalog")
	assert.Equal(t, []string{"en_US"}, tr.SupportedLocales())
}

func TestPluralForms(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want map[int64]int64
	}{
		{"n != 1", map[int64]int64{0: 1, 1: 0, 2: 1}},
		{"n>1", map[int64]int64{0: 0, 1: 0, 2: 1}},
		{"0", map[int64]int64{0: 0, 5: 0}},
		{"n==1 ? 0 : n==2 ? 1 : 2", map[int64]int64{1: 0, 2: 1, 3: 2}},
		{"(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2", map[int64]int64{1: 0, 3: 1, 5: 2}},
		{"!n", map[int64]int64{0: 1, 3: 0}},
		{"n%10==1 || n/0 == 0", map[int64]int64{11: 1, 12: 1}},
		{"1 + 2 * 3 - n % 4", map[int64]int64{5: 6}},
		{"n<2", map[int64]int64{1: 1, 2: 0}},
	} {
		f, err := parsePlural(tc.expr)
		require.NoError(t, err, tc.expr)
		for n, want := range tc.want {
			assert.Equal(t, want, f(n), "%s with n=%d", tc.expr, n)
		}
	}
	for _, bad := range []string{"", "n +", "(n", "n ? 1", "m", "n = 1", "n & 1", "99999999999999999999", "n 1"} {
		_, err := parsePlural(bad)
		assert.ErrorIs(t, err, ErrPluralForms, "%q", bad)
	}
}

func TestGetClosest(t *testing.T) {
	tr, err := Load(fstest.MapFS{
		"es_LA.csv": {Data: []byte(`"a","b"`)},
		"fr.csv":    {Data: []byte(`"a","b"`)},
		"zh_CN.csv": {Data: []byte(`"a","b"`)},
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		codes []string
		want  string
	}{
		{nil, "en_US"},
		{[]string{"es_LA"}, "es_LA"},
		{[]string{"es-la"}, "es_LA"},
		{[]string{"ES-LA"}, "es_LA"},
		{[]string{"es"}, "en_US"},            // a language does not match a longer code
		{[]string{"fr_CA"}, "fr"},            // a longer code matches its language
		{[]string{"FR"}, "fr"},               // the language is lowered
		{[]string{"de", "zh-cn"}, "zh_CN"},   // the first code with a match wins
		{[]string{"", "zh_CN"}, "zh_CN"},     // empty codes are passed over
		{[]string{"zh_Hans_CN", "fr"}, "fr"}, // so are codes of three parts
		{[]string{"*"}, "en_US"},
		{[]string{"de"}, "en_US"},
		{[]string{"es_", "fr"}, "fr"},
		{[]string{"fr_" + strings.Repeat("A", 40)}, "en_US"}, // too long to be a code
	} {
		assert.Equal(t, tc.want, tr.Get(tc.codes...).Code(), "%q", tc.codes)
	}
	assert.Same(t, tr.Get("fr"), tr.Get("fr_BE"), "one Locale per code")

	de := tr.WithDefaultLocale("de_DE")
	assert.Equal(t, "de_DE", de.Get("xx").Code())
	assert.Equal(t, "Deutsch", de.Get("xx").Name())
	assert.Equal(t, []string{"de_DE", "es_LA", "fr", "zh_CN"}, de.SupportedLocales())
	assert.Equal(t, "b", de.Get("fr").Translate("a", "", 0), "translations kept")
	assert.Equal(t, "en_US", tr.Get("xx").Code(), "the old set is unchanged")
	assert.Equal(t, "en_US", tr.WithDefaultLocale("").DefaultLocale())

	var zero Translations
	assert.Equal(t, "en_US", zero.Get("fr").Code(), "the zero value serves the default locale")
	assert.Equal(t, "en_US", zero.DefaultLocale())
	assert.Equal(t, []string{"en_US"}, zero.SupportedLocales())
	assert.Equal(t, "es_LA", zero.WithDefaultLocale("es_LA").Get().Code())
}

func TestPackageLevel(t *testing.T) {
	saved := Current()
	t.Cleanup(func() { SetCurrent(saved) })

	assert.Equal(t, []string{"en_US"}, SupportedLocales())
	require.NoError(t, LoadTranslations("testdata/csv"))
	assert.Equal(t, "Te amo", Get("es-LA").Translate("I love you", "", 0))
	SetDefaultLocale("fr_FR")
	assert.Equal(t, "fr_FR", Get("xx").Code())
	require.NoError(t, LoadGettextTranslations("testdata/gettext", "gornado_test"))
	assert.Equal(t, "fr_FR", Current().DefaultLocale(), "a load keeps the default locale")
	assert.Equal(t, "le droit", Get("xx").Pgettext("law", "right", "", 0))
	assert.Error(t, LoadTranslations("testdata/nonexistent"))
	assert.Equal(t, []string{"fr_FR", "ru_RU"}, SupportedLocales(), "a failed load changes nothing")
}

// TestConcurrentUse: locales are read from many goroutines while the
// package's set changes (run with -race).
func TestConcurrentUse(t *testing.T) {
	saved := Current()
	t.Cleanup(func() { SetCurrent(saved) })
	tr := loadCSV(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				l := tr.Get("es_LA", "fr")
				_ = l.Translate("I love you", "", 0) + l.FormatDate(time.Now(), 0, true, false, false) + l.List([]string{"a", "b"})
				_ = Get("es").Code()
				if j%50 == 0 {
					SetDefaultLocale([]string{"en_US", "es_LA"}[j%2])
				}
			}
		}()
	}
	wg.Wait()
}

func TestFormatDate(t *testing.T) {
	en := newTranslations(nil, "en_US").Get()
	// Sunday, April 28, 2013, 18:35 UTC.
	now := time.Date(2013, 4, 28, 18, 35, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name                          string
		t                             time.Time
		offset                        int
		relative, shorter, fullFormat bool
		want                          string
	}{
		{"full", now, 0, true, false, true, "April 28, 2013 at 6:35 pm"},
		{"now", now, 0, true, false, false, "0 seconds ago"},
		{"1 second", ago(time.Second), 0, true, false, false, "1 second ago"},
		{"49 seconds", ago(49 * time.Second), 0, true, false, false, "49 seconds ago"},
		{"50 seconds", ago(50 * time.Second), 0, true, false, false, "1 minute ago"},
		{"2 minutes", ago(2 * time.Minute), 0, true, false, false, "2 minutes ago"},
		{"150 s rounds to even", ago(150 * time.Second), 0, true, false, false, "2 minutes ago"},
		{"210 s rounds to even", ago(210 * time.Second), 0, true, false, false, "4 minutes ago"},
		{"49 minutes", ago(49 * time.Minute), 0, true, false, false, "49 minutes ago"},
		{"50 minutes", ago(50 * time.Minute), 0, true, false, false, "1 hour ago"},
		{"2 hours", ago(2 * time.Hour), 0, true, false, false, "2 hours ago"},
		{"23 hours", ago(23 * time.Hour), 0, true, false, false, "23 hours ago"},
		{"future seconds", now.Add(30 * time.Second), 0, true, false, false, "0 seconds ago"},
		{"future", now.Add(2 * time.Minute), 0, true, false, false, "April 28, 2013 at 6:37 pm"},
		{"a day and 30 s ahead", now.Add(day + 30*time.Second), 0, true, false, false, "April 29, 2013 at 6:35 pm"},
		{"same day absolute", ago(2 * time.Hour), 0, false, false, false, "4:35 pm"},
		{"yesterday", ago(day), 0, true, false, false, "yesterday at 6:35 pm"},
		{"yesterday shorter", ago(day), 0, true, true, false, "yesterday"},
		{"yesterday absolute", ago(day), 0, false, true, false, "Saturday"},
		{"30 hours, yesterday", ago(30 * time.Hour), 0, true, false, false, "yesterday at 12:35 pm"},
		{"45 hours, two days back", ago(45 * time.Hour), 0, true, false, false, "Friday at 9:35 pm"},
		{"2 days", ago(2 * day), 0, true, true, false, "Friday"},
		{"4 days", ago(4 * day), 0, true, false, false, "Wednesday at 6:35 pm"},
		{"5 days", ago(5 * day), 0, true, false, false, "April 23 at 6:35 pm"},
		{"300 days", ago(300 * day), 0, true, true, false, "July 2"},
		{"333 days", ago(333 * day), 0, true, true, false, "May 30"},
		{"334 days", ago(334 * day), 0, true, true, false, "May 29, 2012"},
		{"500 days", ago(500 * day), 0, true, true, false, "December 15, 2011"},
		{"midnight is 12 am", time.Date(2013, 4, 20, 0, 5, 0, 0, time.UTC), 0, true, false, true, "April 20, 2013 at 12:05 am"},
		{"noon is 12 pm", time.Date(2013, 4, 20, 12, 5, 0, 0, time.UTC), 0, true, false, true, "April 20, 2013 at 12:05 pm"},
		// UTC-8 (JavaScript's getTimezoneOffset is 480): 18:35 UTC is
		// 10:35 there.
		{"gmt offset", now, 480, false, false, true, "April 28, 2013 at 10:35 am"},
		// 40 hours ago is 02:35 yesterday in UTC, but 18:35 the day
		// before yesterday at UTC-8: a weekday, not "yesterday".
		{"40 hours", ago(40 * time.Hour), 0, true, false, false, "yesterday at 2:35 am"},
		{"offset moves yesterday", ago(40 * time.Hour), 480, true, false, false, "Friday at 6:35 pm"},
		{"location of t", now.In(time.FixedZone("X", 2*3600)), 0, true, false, true, "April 28, 2013 at 8:35 pm"},
	} {
		got := en.formatDate(tc.t, now, tc.offset, tc.relative, tc.shorter, tc.fullFormat)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestFormatDateLocales(t *testing.T) {
	tr, err := Load(fstest.MapFS{"es_LA.csv": {Data: []byte(
		"\"%(month_name)s %(day)s, %(year)s at %(time)s\",\"%(day)s de %(month_name)s de %(year)s a las %(time)s\"\n" +
			"\"April\",\"abril\"\n" +
			"\"1 minute ago\",\"hace 1 minuto\",\"singular\"\n" +
			"\"%(minutes)d minutes ago\",\"hace %(minutes)d minutos\",\"plural\"\n")}})
	require.NoError(t, err)
	tr = tr.WithDefaultLocale("en")
	now := time.Date(2013, 4, 28, 18, 35, 0, 0, time.UTC)
	es := tr.Get("es_LA")
	assert.Equal(t, "28 de abril de 2013 a las 18:35", es.formatDate(now, now, 0, true, false, true), "24-hour clock")
	assert.Equal(t, "hace 1 minuto", es.formatDate(now.Add(-time.Minute), now, 0, true, false, false))
	assert.Equal(t, "hace 3 minutos", es.formatDate(now.Add(-3*time.Minute), now, 0, true, false, false))
	assert.Equal(t, "April 28, 2013 at 6:35 pm", tr.Get("en").formatDate(now, now, 0, true, false, true))
	zh := newTranslations(nil, "zh_CN").Get()
	assert.Equal(t, "April 28, 2013 at 下午6:35", zh.formatDate(now, now, 0, true, false, true))
	assert.Equal(t, "April 28, 2013 at 上午6:35", zh.formatDate(now.Add(-12*time.Hour), now, 0, true, false, true))
	de := newTranslations(nil, "de_DE").Get()
	assert.Equal(t, "April 28, 2013 at 8:05", de.formatDate(time.Date(2013, 4, 28, 8, 5, 0, 0, time.UTC), now, 0, true, false, true))
}

func TestFormatDay(t *testing.T) {
	d := time.Date(2013, 4, 28, 18, 35, 0, 0, time.UTC)
	en := newTranslations(nil, "en_US").Get()
	assert.Equal(t, "Sunday, April 28", en.FormatDay(d, 0, true))
	assert.Equal(t, "April 28", en.FormatDay(d, 0, false))
	assert.Equal(t, "Monday, April 29", en.FormatDay(d, -360, true), "UTC+6 is past midnight")
	es := loadCSV(t).Get("es_LA")
	assert.Equal(t, "domingo, 28 de abril", es.FormatDay(d, 0, true))
}

func TestList(t *testing.T) {
	tr := loadCSV(t)
	en, es := tr.Get("en_US"), tr.Get("es_LA")
	fa := newTranslations(nil, "fa_IR").Get()
	for _, tc := range []struct {
		l     *Locale
		parts []string
		want  string
	}{
		{en, nil, ""},
		{en, []string{"A"}, "A"},
		{en, []string{"A", "B"}, "A and B"},
		{en, []string{"A", "B", "C"}, "A, B and C"},
		{es, []string{"A", "B", "C"}, "A, B y C"},
		{fa, []string{"A", "B", "C"}, "A و B and C"},
	} {
		assert.Equal(t, tc.want, tc.l.List(tc.parts), "%s %q", tc.l, tc.parts)
	}
	assert.True(t, fa.RTL())
	assert.Equal(t, "فارسی", fa.Name())
}

func TestFriendlyNumber(t *testing.T) {
	en := newTranslations(nil, "en_US").Get()
	for n, want := range map[int]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 100000: "100,000", 1000000: "1,000,000",
		-1: "-1", -1000: "-1,000", -100000: "-100,000", -9223372036854775808: "-9,223,372,036,854,775,808",
	} {
		assert.Equal(t, want, en.FriendlyNumber(n))
	}
	assert.Equal(t, "1000000", loadCSV(t).Get("es_LA").FriendlyNumber(1000000), "only English groups digits")
}

func TestInterpolate(t *testing.T) {
	args := map[string]any{"name": "Ana", "n": 3, "f": 1.5}
	for in, want := range map[string]string{
		"plain":                 "plain",
		"%(name)s liked this":   "Ana liked this",
		"%(n)d items, %(name)s": "3 items, Ana",
		"%(f)s":                 "1.5",
		"100%%":                 "100%",
		"100%":                  "100%",
		"%(missing)s":           "%(missing)s",
		"%(name)x":              "%(name)x",
		"%(name":                "%(name",
		"%(name)":               "%(name)",
		"%s and %d":             "%s and %d",
		"%%(name)s":             "%(name)s",
		"%(name)s%(name)s":      "AnaAna",
	} {
		assert.Equal(t, want, Interpolate(in, args), "%q", in)
	}
}

func TestParseErrorUnwrap(t *testing.T) {
	err := error(&ParseError{File: "x.csv", Line: 2, Err: ErrColumns})
	assert.True(t, errors.Is(err, ErrColumns))
}
