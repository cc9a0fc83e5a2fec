// Markdown to safe HTML, and titles to slugs.

package blogapp

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"golang.org/x/text/unicode/norm"
)

// markdown renders CommonMark with GitHub's tables, strikethrough and
// autolinks. goldmark without html.WithUnsafe leaves raw HTML out of its
// output ("<!-- raw HTML omitted -->") and drops links to javascript:,
// vbscript:, file: and data: (but images) URLs.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// sanitizer is the second line: bluemonday's policy for user-generated
// content, which keeps formatting, links and images and removes scripts,
// event attributes, styles and every URL scheme but http, https and
// mailto, and adds rel="nofollow" to links. It guards against a bug or an
// option in the renderer letting markup through; Python-Markdown, which
// Tornado's demo uses, passes raw HTML through, so its posts can carry
// scripts (the demo trusts its single author).
var sanitizer = bluemonday.UGCPolicy()

// renderMarkdown renders text to the HTML stored with the entry and put
// into pages as it is. Nothing a post says can put a script into a page.
func renderMarkdown(text string) (template.HTML, error) {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(text), &b); err != nil {
		return "", err
	}
	return template.HTML(sanitizer.SanitizeBytes(b.Bytes())), nil
}

// nonWord matches what a slug loses: runs of characters that are not
// letters, combining marks, digits or underscores. Tornado's demo uses
// Python's \w, which has no combining marks: "Wörld", decomposed to
// "Wo\u0308rld", becomes "wo-rld" there; here the mark stays with its
// letter until the ASCII filter drops it, giving "world".
var nonWord = regexp.MustCompile(`[^\pL\pM\pN_]+`)

// slugify makes an entry's slug from its title, as Tornado's demo does:
// compatibility-decompose (NFKD, so "é" becomes "e" and an accent), turn
// runs of non-word characters into spaces, lower-case, keep only ASCII,
// and join the words with hyphens; "entry" if nothing is left. Tornado
// drops the non-ASCII characters after joining, so "a 日本 b" gives
// "a--b" there and "a-b" here. A title of 200 letters would give a slug
// that the slug column's 100 characters cannot hold (Tornado's insert
// fails on Postgres), so the slug is cut to 60, which leaves room for
// CreateEntry's "-2" suffixes.
func slugify(title string) string {
	s := norm.NFKD.String(title)
	s = nonWord.ReplaceAllString(s, " ")
	s = strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	s = strings.Join(strings.Fields(s), "-")
	const maxLen = 60
	if len(s) > maxLen {
		s = strings.TrimRight(s[:maxLen], "-")
	}
	if s == "" {
		return "entry"
	}
	return s
}
