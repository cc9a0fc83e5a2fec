package locale

import (
	"errors"
	"os"
	"testing"
	"time"
)

// The parsers take files a program ships, but a broken or truncated one
// must give an error, never a panic: go test -fuzz=FuzzParseMO ./final/locale.

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"\"a\",\"b\"\n", "\"a\",\"b\",\"plural\"\n\"c\"", "\xff\xfe\x00\xd8", "\xef\xbb\xbf\"a\",\"\"\"\"\n"} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("testdata/csv/es_LA.csv"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCSV("x.csv", data)
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("not a ParseError: %v", err)
		}
		if err == nil {
			_ = newLocale("es", c).FormatDate(time.Now(), 0, true, false, false)
		}
	})
}

func FuzzParseMO(f *testing.F) {
	for _, p := range []string{"testdata/gettext/fr_FR/LC_MESSAGES/gornado_test.mo", "testdata/gettext/ru_RU/LC_MESSAGES/gornado_test.mo"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(moFile("", "Plural-Forms: nplurals=2; plural=n%3 ? 1 : 0;\n", "a\x00b", "x\x00y"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseMO("x.mo", data)
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("not a ParseError: %v", err)
		}
		if err == nil {
			for n := -2; n < 30; n++ {
				_ = c.translate("a", "b", n)
				_ = c.pgettext("c", "a", "b", n)
			}
		}
	})
}

func FuzzInterpolate(f *testing.F) {
	for _, s := range []string{"%(a)s %(b)d %%", "%(", "%(a", "%", "%()s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = Interpolate(s, map[string]any{"a": "x", "b": 2, "": "e"})
	})
}
