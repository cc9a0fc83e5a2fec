// Tests of the request's locale: Accept-Language, the GetUserLocale and
// GetBrowserLocale hooks, SetLocale, and the choice kept per request.

package web

import (
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/locale"
)

func TestAcceptLanguages(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"es", []string{"es"}},
		{"en-US,en;q=0.9,es;q=0.8", []string{"en-US", "en", "es"}},
		{"es;q=0.5, fr;q=0.9, de", []string{"de", "fr", "es"}},
		{"fr;q=0.5, es;q=0.5, de;q=0.5", []string{"fr", "es", "de"}}, // ties keep their order
		{"fr;q=0, es", []string{"es"}},                               // q=0 is "not acceptable"
		{"fr;q=abc, es;q=-1, de;q=nan, it;q=0.1", []string{"it"}},    // bad weights drop the range
		{"fr;level=1;q=0.1, es;q=0.5;x=y", []string{"fr", "es"}},     // only the first parameter, as Tornado
		{"*;q=0.5, es", []string{"es", "*"}},
		{" , ;q=1,,es ;q=0.3", []string{"es"}},
		{"q=0.9", []string{"q=0.9"}},
	} {
		assert.Equal(t, tc.want, acceptLanguages(tc.header, nil), "%q", tc.header)
	}
}

// localeApp's translations: es_LA and fr, so that the test can tell the
// choices apart.
func localeTranslations(t *testing.T) *locale.Translations {
	tr, err := locale.Load(fstest.MapFS{
		"es_LA.csv": {Data: []byte(`"Sign out","Cerrar sesión"`)},
		"fr.csv":    {Data: []byte(`"Sign out","Déconnexion"`)},
	})
	require.NoError(t, err)
	return tr
}

// localeShow writes the request's locale and a translation; it asks twice
// to show that the choice is made once.
type localeShow struct{ RequestHandler }

func (h *localeShow) Get(...string) error {
	l := h.Locale()
	if h.Locale() != l {
		return h.WriteString("chosen twice")
	}
	return h.WriteString(l.Code() + ": " + l.Translate("Sign out", "", 0))
}

// localeUser takes the locale from ?lang=, as an application takes it from
// a user's stored preference, and otherwise lets the browser's count.
type localeUser struct {
	RequestHandler
	// Calls counts GetUserLocale calls, one per request.
	Calls *atomic.Int32
}

func (h *localeUser) GetUserLocale() *locale.Locale {
	h.Calls.Add(1)
	if lang := h.GetArgumentDefault("lang", ""); lang != "" {
		return h.Settings().Translations.Get(lang)
	}
	return nil
}

func (h *localeUser) Get(...string) error {
	h.Locale()
	l := h.Locale()
	return h.WriteString(l.Code() + ": " + l.Translate("Sign out", "", 0))
}

// localeChild inherits localeUser's hook, as Tornado handlers inherit a
// BaseHandler's get_user_locale.
type localeChild struct{ localeUser }

// localeFixed overrides the browser hook.
type localeFixed struct{ localeShow }

func (h *localeFixed) GetBrowserLocale() *locale.Locale { return h.Settings().Translations.Get("fr") }

// localePrepared sets the locale in Prepare.
type localePrepared struct{ localeShow }

func (h *localePrepared) Prepare() error {
	h.SetLocale(h.Settings().Translations.Get("es_LA"))
	return nil
}

func TestRequestLocale(t *testing.T) {
	var calls atomic.Int32
	app := NewApplication([]*URLSpec{
		URL("/show", &localeShow{}),
		URL("/user", &localeUser{Calls: &calls}),
		URL("/child", &localeChild{localeUser{Calls: &calls}}),
		URL("/fixed", &localeFixed{}),
		URL("/prepared", &localePrepared{}),
	}, Settings{Translations: localeTranslations(t)})
	base := serve(t, app)
	c := client(t)
	get := func(path string, hdr ...string) string {
		t.Helper()
		resp, body := do(t, c, "GET", base+path, "", hdr...)
		require.Equal(t, 200, resp.StatusCode, body)
		return body
	}

	// The default hooks: Accept-Language, best weight first.
	assert.Equal(t, "en_US: Sign out", get("/show"), "no header: the default locale")
	assert.Equal(t, "es_LA: Cerrar sesión", get("/show", "Accept-Language", "es-la"))
	assert.Equal(t, "fr: Déconnexion", get("/show", "Accept-Language", "de, fr-CH;q=0.9, es-LA;q=0.8"))
	assert.Equal(t, "es_LA: Cerrar sesión", get("/show", "Accept-Language", "fr;q=0.1, es_LA;q=0.8"))
	assert.Equal(t, "en_US: Sign out", get("/show", "Accept-Language", "*"))
	assert.Equal(t, "en_US: Sign out", get("/show", "Accept-Language", ";;,,q=,en;q=x,é"), "malformed: ignored")
	// The handler instance is reused: the next request chooses again.
	assert.Equal(t, "fr: Déconnexion", get("/show", "Accept-Language", "fr"))
	assert.Equal(t, "en_US: Sign out", get("/show"))

	// The user's GetUserLocale wins over the header; nil lets it count.
	assert.Equal(t, "fr: Déconnexion", get("/user?lang=fr", "Accept-Language", "es-LA"))
	assert.Equal(t, "es_LA: Cerrar sesión", get("/user", "Accept-Language", "es-LA"))
	assert.Equal(t, int32(2), calls.Load(), "GetUserLocale is called once per request")
	assert.Equal(t, "fr: Déconnexion", get("/child?lang=fr", "Accept-Language", "es-LA"), "a base handler's hook")

	// A GetBrowserLocale of the handler's replaces the header's choice.
	assert.Equal(t, "fr: Déconnexion", get("/fixed", "Accept-Language", "es-LA"))
	// SetLocale in Prepare decides before any hook runs.
	assert.Equal(t, "es_LA: Cerrar sesión", get("/prepared", "Accept-Language", "fr"))
}

// TestRequestLocalePackageSet: without Settings.Translations, the locale
// package's set is used.
func TestRequestLocalePackageSet(t *testing.T) {
	saved := locale.Current()
	t.Cleanup(func() { locale.SetCurrent(saved) })
	locale.SetCurrent(localeTranslations(t).WithDefaultLocale("fr"))
	base := serve(t, NewApplication([]*URLSpec{URL("/", &localeShow{})}, Settings{}))
	_, body := do(t, client(t), "GET", base+"/", "", "Accept-Language", "de")
	assert.Equal(t, "fr: Déconnexion", body)
}

// BenchmarkBrowserLocale is the work Locale does per request with the
// default hooks: parse a browser's Accept-Language and find the closest.
func BenchmarkBrowserLocale(b *testing.B) {
	tr, err := locale.Load(fstest.MapFS{"es_LA.csv": {Data: []byte(`"a","b"`)}, "fr.csv": {Data: []byte(`"a","b"`)}})
	require.NoError(b, err)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var codes [16]string
		if tr.Get(acceptLanguages("de-DE,de;q=0.9,fr-CH;q=0.8,en;q=0.5", codes[:0])...).Code() != "fr" {
			b.Fatal("wrong locale")
		}
	}
}
