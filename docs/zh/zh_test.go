// Package zh_test keeps the Chinese editions of the chapters (docs/zh/) in
// step with the English ones (docs/).
//
// A translation drifts silently: the English chapter gains a paragraph, its
// code changes, its terminal output is re-run, and nothing tells whoever reads
// the Chinese. The prose cannot be compared by a program, but everything a
// reader copies can: so this test checks, with no git and no network, that
//
//   - every English chapter (docs/NN-*.md), and each of the translatedPages
//     (the API map docs/api.md, the final/ reference pages and the design
//     page docs/design.md), has a Chinese
//     edition of the same name here, or is listed in this folder's README.md
//     as not translated yet;
//   - each edition starts with the line that names its English source and the
//     commit it was translated from;
//   - every fenced block (code, terminal output) of the English chapter is in
//     the edition byte for byte, in the same order, and no other;
//   - every `inline code` span of the English is in the edition;
//   - every relative link of the English is in the edition, one directory
//     deeper (../x becomes ../../x, a chapter's name stays or gains ../), and
//     points at a file that exists whenever the English one does.
//
// When it fails after an English chapter changed, update the edition and the
// commit in its first line (git log -1 --format=%h -- docs/NN-name.md).
package zh_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chapterName matches an English chapter's file name: 01-blocking.md.
var chapterName = regexp.MustCompile(`^\d\d-[a-z0-9-]+\.md$`)

// translatedPages are the pages of docs/ that are not numbered chapters but
// are translated and checked the same way: the API map, which a reader of the
// Chinese chapters looks names up in, the reference pages of final/'s HTTP
// layer, web framework, WebSockets and performance, the testing page, the
// design page, and the deployment page.
var translatedPages = []string{"api.md", "testing.md", "http-server.md", "web.md", "websocket.md", "http-hostile-input.md", "performance-notes.md", "performance.md", "design.md", "deploy.md"}

// sourceLine is the first line of every edition, such as
// "> 译自 [docs/01-blocking.md](../01-blocking.md)，英文版提交 9f3b359。"
var sourceLine = regexp.MustCompile("^> 译自 \\[docs/([a-z0-9-]+\\.md)\\]\\(\\.\\./([a-z0-9-]+\\.md)\\)，英文版提交 `?([0-9a-f]{7,40})`?。")

func TestEveryChapterHasAnEditionOrIsListedAsEnglishOnly(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err, "docs/zh/README.md lists the editions")
	chapters := englishChapters(t)
	require.NotEmpty(t, chapters)
	for _, name := range chapters {
		if _, err := os.Stat(name); err == nil {
			assert.True(t, strings.Contains(string(readme), "("+name+")"), "README.md should link the edition %s", name)
			continue
		}
		assert.True(t, strings.Contains(string(readme), "(../"+name+")"),
			"%s has no Chinese edition: translate it, or list it in README.md as English-only (a link to ../%s)", name, name)
	}
}

func TestEditionsKeepTheEnglishBlocksSpansAndLinks(t *testing.T) {
	editions, err := filepath.Glob("[0-9][0-9]-*.md")
	require.NoError(t, err)
	require.NotEmpty(t, editions)
	for _, name := range translatedPages {
		if fileExists(name) {
			editions = append(editions, name)
		}
	}
	for _, name := range editions {
		t.Run(name, func(t *testing.T) {
			zh := read(t, name)
			en := read(t, filepath.Join("..", name))

			first, _, _ := strings.Cut(zh, "\n")
			m := sourceLine.FindStringSubmatch(first)
			if assert.NotNil(t, m, "the first line should name the source and its commit, like\n%s\ngot\n%s",
				"> 译自 [docs/"+name+"](../"+name+")，英文版提交 abc1234。", first) {
				assert.Equal(t, name, m[1])
				assert.Equal(t, name, m[2])
			}

			enBlocks, zhBlocks := fencedBlocks(en), fencedBlocks(zh)
			for i := range min(len(enBlocks), len(zhBlocks)) {
				if !assert.Equal(t, enBlocks[i], zhBlocks[i], "fenced block %d of %d differs", i+1, len(enBlocks)) {
					break
				}
			}
			assert.Equal(t, len(enBlocks), len(zhBlocks), "number of fenced blocks")

			// Markdown lets a span or a link break across lines; compare
			// with every run of white space as one space.
			zhFlat := flatten(outsideBlocks(zh))
			for _, span := range codeSpans(en) {
				assert.Contains(t, zhFlat, span, "inline code from the English chapter")
			}

			for _, link := range relativeLinks(en) {
				// A link may name a section (design.md#the-loop): the page
				// decides where it points, and an edition that links a
				// section of another edition keeps the English anchor, which
				// that edition defines with an <a id>.
				path, _, _ := strings.Cut(link, "#")
				target := "../" + link
				if !strings.HasPrefix(link, "../") && fileExists(path) {
					target = link // a chapter with its own edition
				}
				assert.Contains(t, zhFlat, "]("+target+")", "link %q of the English chapter, seen from docs/zh/", link)
				if _, anchor, ok := strings.Cut(link, "#"); ok && target == link {
					assert.Contains(t, headingSlugs(read(t, filepath.Join("..", path))), anchor,
						"link %q: the English page has no heading for the anchor", link)
					assert.Contains(t, read(t, path), `<a id="`+anchor+`"></a>`,
						"link %q: the edition %s should mark the section with <a id=%q></a> above its heading", link, path, anchor)
				}
				if fileExists(filepath.Join("..", path)) {
					p, _, _ := strings.Cut(target, "#")
					assert.True(t, fileExists(p), "the link %s points at nothing", target)
				}
			}
		})
	}
}

// englishChapters lists docs/NN-*.md and the translatedPages.
func englishChapters(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("..")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if chapterName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	for _, name := range translatedPages {
		require.FileExists(t, filepath.Join("..", name))
		names = append(names, name)
	}
	return names
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// fencedBlocks returns each fenced block, its fence lines and indentation
// included, in order.
func fencedBlocks(doc string) []string {
	var blocks []string
	var cur []string
	inside := false
	for _, line := range strings.Split(doc, "\n") {
		fence := strings.HasPrefix(strings.TrimLeft(line, " \t"), "```")
		switch {
		case fence && !inside:
			inside, cur = true, []string{line}
		case fence && inside:
			blocks = append(blocks, strings.Join(append(cur, line), "\n"))
			inside = false
		case inside:
			cur = append(cur, line)
		}
	}
	return blocks
}

// outsideBlocks is doc without its fenced blocks.
func outsideBlocks(doc string) string {
	var out []string
	inside := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "```") {
			inside = !inside
			continue
		}
		if !inside {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// flatten turns every run of white space into one space.
func flatten(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	codeSpan = regexp.MustCompile("`[^`]+`")
	mdLink   = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// codeSpans returns the distinct `inline code` spans outside fenced blocks.
func codeSpans(doc string) []string {
	seen := map[string]bool{}
	var spans []string
	for _, s := range codeSpan.FindAllString(flatten(outsideBlocks(doc)), -1) {
		if !seen[s] {
			seen[s] = true
			spans = append(spans, s)
		}
	}
	return spans
}

// headingSlugs returns the anchors GitHub gives a page's headings: the
// heading's text in lower case, without punctuation, spaces made hyphens.
func headingSlugs(doc string) []string {
	var slugs []string
	for _, line := range strings.Split(outsideBlocks(doc), "\n") {
		text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !ok || !strings.HasPrefix(line, "#") {
			continue
		}
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				return unicode.ToLower(r)
			}
			return -1
		}, text)
		slugs = append(slugs, slug)
	}
	return slugs
}

// relativeLinks returns the distinct link targets that are not URLs nor
// anchors within the page.
func relativeLinks(doc string) []string {
	seen := map[string]bool{}
	var links []string
	for _, m := range mdLink.FindAllStringSubmatch(flatten(outsideBlocks(doc)), -1) {
		l := m[1]
		if strings.Contains(l, "://") || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "mailto:") || seen[l] {
			continue
		}
		seen[l] = true
		links = append(links, l)
	}
	return links
}
