// Locales: the request's locale, Tornado's RequestHandler.locale with its
// get_user_locale and get_browser_locale hooks.

package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gornado/gornado/final/locale"
)

// localeCache is the request's locale, chosen once (perRequest.locale):
// l is nil until Locale chose it or SetLocale set it.
type localeCache struct {
	l *locale.Locale
}

// Locale returns the request's locale, Tornado's self.locale: what the
// handler's GetUserLocale hook returns, or when that is nil, what its
// GetBrowserLocale hook does (by default from Accept-Language). Both are
// called on the handler value (Hooks), so the handler type's own methods
// win. It is chosen on the first call and kept for the rest of the
// request. Templates and handlers translate through it:
//
//	h.Locale().Translate("Sign out", "", 0)
func (rh *RequestHandler) Locale() *locale.Locale {
	rh.live()
	if rh.locale.l != nil {
		return rh.locale.l
	}
	l := rh.self.GetUserLocale()
	if l == nil {
		l = rh.self.GetBrowserLocale()
	}
	if l == nil {
		// A GetBrowserLocale override that found nothing: Tornado
		// asserts; the default locale is the answer that keeps serving.
		l = rh.translations().Get()
	}
	rh.locale.l = l
	return l
}

// SetLocale sets the request's locale (Tornado's locale setter), for
// Prepare to set it from an asynchronous lookup of the user's preference.
func (rh *RequestHandler) SetLocale(l *locale.Locale) {
	rh.live()
	rh.locale.l = l
}

// GetUserLocale is Hooks' default: nil, which lets GetBrowserLocale
// choose. The hook is Tornado's get_user_locale: define it on the handler
// type to choose from a user's stored preference (locale.Get(code), or the
// application's Settings.Translations.Get).
//
//	func (h *Page) GetUserLocale() *locale.Locale {
//		if u, ok := h.CurrentUser().(*User); ok {
//			return locale.Get(u.Lang)
//		}
//		return nil
//	}
func (rh *RequestHandler) GetUserLocale() *locale.Locale {
	rh.live()
	return nil
}

// GetBrowserLocale is Hooks' default, Tornado's get_browser_locale: the
// closest of the Accept-Language header's languages, highest q-value
// first, among the application's translations; the default locale when
// the header is missing or names nothing supported.
func (rh *RequestHandler) GetBrowserLocale() *locale.Locale {
	rh.live()
	var header string
	if rh.Request != nil && rh.Request.Headers != nil {
		header = rh.Request.Headers.Get("Accept-Language")
	}
	var codes [16]string
	return rh.translations().Get(acceptLanguages(header, codes[:0])...)
}

// translations returns the application's set, or the locale package's.
func (rh *RequestHandler) translations() *locale.Translations {
	if rh.Application != nil && rh.Application.Settings.Translations != nil {
		return rh.Application.Settings.Translations
	}
	return locale.Current()
}

// acceptLanguages appends to codes the language ranges of an
// Accept-Language value in order of preference, as Tornado's
// get_browser_locale reads them (RFC 9110, section 12.5.4):
// comma-separated ranges, each with an optional ";q=" weight (1 without
// one); a range whose weight is 0, or is not a number, or is negative, is
// dropped; the rest are sorted by weight, ties keeping their order.
// Nothing in the header can fail the request: a malformed range is only
// dropped or passed on for Get to find no match ("*" among them). The
// codes are substrings of header, and up to 16 ranges are sorted on the
// stack, so a browser's header costs no allocation.
func acceptLanguages(header string, codes []string) []string {
	type ranked struct {
		code string
		q    float64
	}
	var stack [16]ranked
	rs := stack[:0]
	for rest := header; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		code, params, _ := strings.Cut(part, ";")
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		q := 1.0
		params, _, _ = strings.Cut(params, ";") // only the first, as Tornado
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p[2:]), 64)
			if err != nil || v < 0 || v != v {
				v = 0
			}
			q = v
		}
		if q > 0 {
			rs = append(rs, ranked{code, q})
		}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, r := range rs {
		codes = append(codes, r.code)
	}
	return codes
}
