// Package locale is Tornado's tornado.locale: translations loaded from
// Tornado's CSV files or gettext's .mo files, the choice of the supported
// locale closest to what a user asked for, and dates, lists and numbers
// written in the user's language. It uses only the standard library.
//
// # Loading translations
//
// Load reads a directory of CSV files named for their locales (es_LA.csv,
// fr.csv), from the disk (os.DirFS) or from the program itself (an
// embed.FS), and LoadGettext a tree of .mo files (<lang>/LC_MESSAGES/
// <domain>.mo). Either returns a *Translations: an immutable set that any
// number of loops may read at once. A malformed file fails the load with a
// *ParseError naming the file and line, where Tornado logs and skips it.
//
//	//go:embed translations
//	var files embed.FS
//
//	sub, _ := fs.Sub(files, "translations")
//	tr, err := locale.Load(sub)
//
// The package also keeps one set, for Tornado's module-level functions:
// LoadTranslations, LoadGettextTranslations, SetDefaultLocale, Get and
// SupportedLocales act on it, and SetCurrent installs a set made by Load.
//
// # Choosing a locale
//
// Get returns the closest supported locale: each code given, in order, is
// tried as is ("es_LA"; "es-la" is the same), then as its language alone
// ("es"); when none matches, the default locale (en_US unless
// SetDefaultLocale or WithDefaultLocale says otherwise), which is the
// language the program's own strings are in. In final/web a handler's
// Locale method chooses from the request's Accept-Language header, or from
// its GetUserLocale hook.
//
// # Translating and formatting
//
// Translate returns a message's translation, choosing a singular or
// plural form by a count; Pgettext adds a gettext context. Messages keep
// Tornado's %(name)s placeholders, which Interpolate fills. FormatDate
// writes "3 minutes ago", "yesterday at 3:04 pm" or "April 28, 2013 at
// 6:35 pm", FormatDay "Sunday, April 28", List "A, B and C", and
// FriendlyNumber "1,000,000", each through the locale's translations.
package locale
