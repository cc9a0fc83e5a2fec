// Locale: one language's translations and its ways of writing dates,
// lists and numbers, Tornado's tornado.locale.Locale.

package locale

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// catalog is where a Locale's strings come from: a CSV file (csvCatalog),
// a .mo file (moCatalog), or nothing (the default locale, which is the
// language the program's strings are written in). Both methods return
// the message itself, or plural for a count other than 1, when the
// catalog has no translation, as Tornado's CSVLocale and GettextLocale do.
// A catalog is never written after it is built, so any number of
// goroutines may read it.
type catalog interface {
	translate(message, plural string, count int) string
	pgettext(context, message, plural string, count int) string
}

// Locale is one supported language: its code, its translations, and the
// translated month and weekday names FormatDate and FormatDay use. Get
// returns the same *Locale for a code every time; it is never modified,
// so loops and goroutines share it freely.
type Locale struct {
	// code is the locale code, "es_LA"; name its native name; rtl is set
	// for the right-to-left scripts Tornado lists (fa, ar, he).
	code string
	name string
	rtl  bool
	// cat holds the translations.
	cat catalog
	// months are January..December and weekdays Monday..Sunday (Python's
	// weekday() order), translated once when the Locale is made, as
	// Tornado's Locale.__init__ does.
	months   [12]string
	weekdays [7]string
}

// newLocale makes the Locale for code with the translations in cat.
func newLocale(code string, cat catalog) *Locale {
	l := &Locale{code: code, name: "Unknown", cat: cat}
	if n, ok := names[code]; ok {
		l.name = n
	}
	for _, p := range []string{"fa", "ar", "he"} {
		if strings.HasPrefix(code, p) {
			l.rtl = true
		}
	}
	for i, m := range [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"} {
		l.months[i] = l.Translate(m, "", 0)
	}
	for i, d := range [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
		"Saturday", "Sunday"} {
		l.weekdays[i] = l.Translate(d, "", 0)
	}
	return l
}

// Code returns the locale code, like "es_LA" (Tornado's Locale.code).
func (l *Locale) Code() string { return l.code }

// Name returns the language's name in itself, like "Español", from
// Tornado's table of 62 locales; "Unknown" for a code not in it (a bare
// "es" among them: the table lists full codes only, as Tornado's does).
func (l *Locale) Name() string { return l.name }

// RTL reports a right-to-left language: a code starting with fa, ar or he,
// the three Tornado knows.
func (l *Locale) RTL() bool { return l.rtl }

// String returns the code, so that a Locale prints as itself.
func (l *Locale) String() string { return l.code }

// Translate returns the translation of message, Tornado's translate.
// With plural empty, message is translated as is; otherwise count chooses
// the form: message when count is 1, plural for any other count (0
// included), each looked up among the translations of its form. Without
// a translation, the chosen English string is returned.
//
//	l.Translate("Sign out", "", 0)
//	l.Translate("%(n)d comment", "%(n)d comments", n)
//
// The result keeps Tornado's %(name)s placeholders; Interpolate fills
// them.
func (l *Locale) Translate(message, plural string, count int) string {
	return l.cat.translate(message, plural, count)
}

// Pgettext is Translate with a context that tells apart two uses of one
// English word ("law" and "good" for "right"), gettext's pgettext. Only
// gettext catalogs have contexts; the CSV format has none, so for CSV
// translations the context is ignored (Tornado logs a warning each call).
func (l *Locale) Pgettext(context, message, plural string, count int) string {
	return l.cat.pgettext(context, message, plural, count)
}

// FormatDate writes t the way Tornado's format_date does, in this
// locale's words: relative to now when relative is set ("2 minutes ago",
// "yesterday at 3:04 pm", "Monday at 3:04 pm", "April 28 at 3:04 pm"), or
// as a date ("April 28, 2013 at 6:35 pm") when fullFormat is set, when t
// is over 333 days ago, or when t is in the future (a minute ahead or
// less counts as now in relative mode, for clock skew). shorter drops the
// time of day from the forms that have one and says "yesterday" alone.
//
// The clock shown is t's own location moved gmtOffset minutes west
// (Tornado's gmt_offset, the convention of JavaScript's
// getTimezoneOffset: 480 for UTC-8); pass t.UTC() and an offset to mirror
// Tornado, or a t in the reader's location and 0. English (en, en_US)
// writes a 12-hour clock, zh_CN 上午/下午 with a 12-hour clock, every
// other code a 24-hour clock, as Tornado does.
func (l *Locale) FormatDate(t time.Time, gmtOffset int, relative, shorter, fullFormat bool) string {
	return l.formatDate(t, time.Now(), gmtOffset, relative, shorter, fullFormat)
}

// formatDate is FormatDate measured from now, which tests fix.
func (l *Locale) formatDate(t, now time.Time, gmtOffset int, relative, shorter, fullFormat bool) string {
	now = now.In(t.Location())
	if t.After(now) {
		// Tornado compares timedelta.seconds, which drops whole days, so
		// a date a day and 30 s ahead counted as now; the whole duration
		// is compared here.
		if relative && t.Sub(now) < time.Minute {
			t = now
		} else {
			fullFormat = true
		}
	}
	shift := -time.Duration(gmtOffset) * time.Minute
	local := t.Add(shift)
	localYesterday := now.Add(shift).Add(-24 * time.Hour)
	// Python's timedelta keeps whole days and the seconds left over.
	diff := now.Sub(t)
	days := int(diff / (24 * time.Hour))
	seconds := int((diff % (24 * time.Hour)) / time.Second)

	var format string
	if !fullFormat {
		if relative && days == 0 {
			switch {
			case seconds < 50:
				return l.agoString("1 second ago", "%(seconds)d seconds ago", "seconds", seconds)
			case seconds < 50*60:
				// Python 3's round() rounds halves to even: 150 s is "2
				// minutes ago".
				m := int(math.RoundToEven(float64(seconds) / 60))
				return l.agoString("1 minute ago", "%(minutes)d minutes ago", "minutes", m)
			default:
				h := int(math.RoundToEven(float64(seconds) / 3600))
				return l.agoString("1 hour ago", "%(hours)d hours ago", "hours", h)
			}
		}
		tr := func(s string) string { return l.Translate(s, "", 0) }
		switch {
		case days == 0:
			format = tr("%(time)s")
		case days == 1 && local.Day() == localYesterday.Day() && relative:
			format = pick(shorter, tr("yesterday"), tr("yesterday at %(time)s"))
		case days < 5:
			format = pick(shorter, tr("%(weekday)s"), tr("%(weekday)s at %(time)s"))
		case days < 334: // 11 months: "May 3" a year ago would be confusing
			format = pick(shorter, tr("%(month_name)s %(day)s"), tr("%(month_name)s %(day)s at %(time)s"))
		}
	}
	if format == "" {
		format = pick(shorter,
			l.Translate("%(month_name)s %(day)s, %(year)s", "", 0),
			l.Translate("%(month_name)s %(day)s, %(year)s at %(time)s", "", 0))
	}
	return Interpolate(format, map[string]any{
		"month_name": l.months[local.Month()-1],
		"weekday":    l.weekdays[weekday(local)],
		"day":        strconv.Itoa(local.Day()),
		"year":       strconv.Itoa(local.Year()),
		"time":       l.clockTime(local),
	})
}

// agoString translates one of the "N units ago" strings and fills in n.
func (l *Locale) agoString(one, many, key string, n int) string {
	return Interpolate(l.Translate(one, many, n), map[string]any{key: n})
}

// clockTime writes the time of day of t, as Tornado's format_date does.
func (l *Locale) clockTime(t time.Time) string {
	h, m := t.Hour(), t.Minute()
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	mm := strconv.Itoa(m)
	if m < 10 {
		mm = "0" + mm
	}
	switch l.code {
	case "en", "en_US":
		return strconv.Itoa(h12) + ":" + mm + pick(h >= 12, " pm", " am")
	case "zh_CN":
		return pick(h >= 12, "下午", "上午") + strconv.Itoa(h12) + ":" + mm
	default:
		return strconv.Itoa(h) + ":" + mm
	}
}

// FormatDay writes the day of t as "Monday, January 22", or "January 22"
// without dow (the day of the week), Tornado's format_day; gmtOffset is
// FormatDate's.
func (l *Locale) FormatDay(t time.Time, gmtOffset int, dow bool) string {
	local := t.Add(-time.Duration(gmtOffset) * time.Minute)
	args := map[string]any{
		"month_name": l.months[local.Month()-1],
		"weekday":    l.weekdays[weekday(local)],
		"day":        strconv.Itoa(local.Day()),
	}
	if dow {
		return Interpolate(l.Translate("%(weekday)s, %(month_name)s %(day)s", "", 0), args)
	}
	return Interpolate(l.Translate("%(month_name)s %(day)s", "", 0), args)
}

// List joins parts as "A, B and C" ("A and B", "A", or "" for none),
// Tornado's list: the "and" comes from translating "%(commas)s and
// %(last)s", and Persian (fa) separates with " و " rather than ", ".
func (l *Locale) List(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	comma := ", "
	if strings.HasPrefix(l.code, "fa") {
		comma = " \u0648 "
	}
	return Interpolate(l.Translate("%(commas)s and %(last)s", "", 0), map[string]any{
		"commas": strings.Join(parts[:len(parts)-1], comma),
		"last":   parts[len(parts)-1],
	})
}

// FriendlyNumber writes n with commas between groups of three digits,
// "1,000,000", for English (en, en_US), and plainly for every other
// locale, as Tornado's friendly_number does. (Tornado's writes -100000 as
// "-,100,000"; the sign is kept apart here.)
func (l *Locale) FriendlyNumber(n int) string {
	s := strconv.Itoa(n)
	if l.code != "en" && l.code != "en_US" {
		return s
	}
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// weekday is t's day of the week counted from Monday, Python's weekday().
func weekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// pick is c ? a : b.
func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}
