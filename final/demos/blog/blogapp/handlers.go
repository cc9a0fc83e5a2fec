// The blog's handlers: Tornado's demos/blog, one handler per route, each a
// coroutine that awaits the store's Futures.

package blogapp

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/web"
)

// userCookie holds the logged-in author's id, signed with the cookie
// secret (Tornado's demo's name).
const userCookie = "blogdemo_user"

// userCookieOptions are the session cookie's attributes. Tornado's demo
// sets none; HttpOnly keeps it from scripts, SameSite=Lax from other
// sites' POSTs (XSRF tokens refuse those too).
var userCookieOptions = web.CookieOptions{HTTPOnly: true, SameSite: "Lax"}

// BaseHandler is what every page handler embeds, Tornado's BaseHandler: the
// store, the current user loaded by Prepare, and the helpers they share.
type BaseHandler struct {
	web.RequestHandler
	// Blog is the application's shared state (store, password hashing).
	Blog *Blog
	// author is the logged-in author, loaded by Prepare; nil for a
	// visitor. The handler's pooled copy is reset from the prototype
	// (where it is nil) before each request.
	author *Author
}

// Prepare loads the author named by the signed session cookie. Tornado's
// demo does the same, since get_current_user cannot await: GetCurrentUser
// then only returns what Prepare found. A cookie naming an author who no
// longer exists counts as nobody; a database error is a 500.
func (h *BaseHandler) Prepare() error {
	v, ok := h.GetSignedCookie(userCookie, 0)
	if !ok {
		return nil
	}
	id, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return nil
	}
	return h.Go(func(c *gen.Co) error {
		a, err := gen.Await(c, h.Blog.Store.AuthorByID(h.Loop(), id))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		h.author = &a
		return nil
	})
}

// GetCurrentUser is the web.Hooks method: the author Prepare loaded, or
// nil (an untyped nil: a nil *Author in an interface would count as
// someone).
func (h *BaseHandler) GetCurrentUser() (any, error) {
	if h.author == nil {
		return nil, nil
	}
	return h.author, nil
}

// BlogTitle is the blog's title, for templates ({{handler.BlogTitle}}),
// Tornado's blog_title setting.
func (h *BaseHandler) BlogTitle() string { return h.Blog.Title }

// redirectToNext redirects to the "next" argument, "/" by default. Only a
// path on this site is accepted: an absolute URL, or one starting with
// "//" or "/\" (which browsers read as another host), would make the
// login page an open redirect (CWE-601), and is answered 400 as in
// Tornado's demo.
func (h *BaseHandler) redirectToNext() error {
	next := h.GetArgumentDefault("next", "/")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return &web.HTTPError{Code: 400, LogMessage: "next is not a path on this site: " + strconv.Quote(next)}
	}
	return h.Redirect(next, false)
}

// statusOf turns the store's sentinel errors into HTTP errors: a missing
// row is a 404, the second author a 400. Other errors stay as they are,
// and the framework answers them 500 and logs them.
func statusOf(err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return &web.HTTPError{Code: 404}
	case errors.Is(err, ErrAuthorExists):
		return &web.HTTPError{Code: 400, Reason: "author already created"}
	}
	return err
}

// ---- pages -------------------------------------------------------------------

// HomeHandler shows the 5 latest entries, or sends the first visitor to
// /compose when there are none.
type HomeHandler struct{ BaseHandler }

func (h *HomeHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		entries, err := gen.Await(c, h.Blog.Store.LatestEntries(h.Loop(), 5))
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return h.Redirect("/compose", false)
		}
		return h.Render("home.html", entries)
	})
}

// EntryHandler shows one entry, /entry/<slug>.
type EntryHandler struct{ BaseHandler }

func (h *EntryHandler) Get(args ...string) error {
	return h.Go(func(c *gen.Co) error {
		entry, err := gen.Await(c, h.Blog.Store.EntryBySlug(h.Loop(), args[0]))
		if err != nil {
			return statusOf(err)
		}
		return h.Render("entry.html", entry)
	})
}

// ArchiveHandler lists every entry, newest first.
type ArchiveHandler struct{ BaseHandler }

func (h *ArchiveHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		entries, err := gen.Await(c, h.Blog.Store.LatestEntries(h.Loop(), 0))
		if err != nil {
			return err
		}
		return h.Render("archive.html", entries)
	})
}

// ComposeHandler creates an entry, or edits the one given by ?id=; only
// for a logged-in author (Authenticated sends a GET to the login page and
// refuses a POST with 403, as Tornado's @authenticated).
type ComposeHandler struct{ BaseHandler }

// entryID parses the optional id argument: 0 when absent, a 400 when it
// is not a number (Tornado's int() would raise a 500).
func (h *ComposeHandler) entryID() (int64, error) {
	s := h.GetArgumentDefault("id", "")
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &web.HTTPError{Code: 400, Reason: "bad entry id"}
	}
	return id, nil
}

func (h *ComposeHandler) Get(...string) error {
	return h.Authenticated(func() error {
		id, err := h.entryID()
		if err != nil {
			return err
		}
		if id == 0 {
			return h.Render("compose.html", (*Entry)(nil))
		}
		return h.Go(func(c *gen.Co) error {
			entry, err := gen.Await(c, h.Blog.Store.EntryByID(h.Loop(), id))
			if err != nil {
				return statusOf(err)
			}
			return h.Render("compose.html", &entry)
		})
	})
}

func (h *ComposeHandler) Post(...string) error {
	return h.Authenticated(func() error {
		id, err := h.entryID()
		if err != nil {
			return err
		}
		title, err := h.GetArgument("title")
		if err != nil {
			return err
		}
		text, err := h.GetArgument("markdown")
		if err != nil {
			return err
		}
		html, err := renderMarkdown(text)
		if err != nil {
			return err
		}
		return h.Go(func(c *gen.Co) error {
			var saved *concurrent.Future[Entry]
			if id == 0 {
				saved = h.Blog.Store.CreateEntry(h.Loop(), h.author.ID, title, text, html)
			} else {
				saved = h.Blog.Store.UpdateEntry(h.Loop(), id, title, text, html)
			}
			entry, err := gen.Await(c, saved)
			if err != nil {
				return statusOf(err)
			}
			return h.Redirect("/entry/"+entry.Slug, false)
		})
	})
}

// ---- accounts ---------------------------------------------------------------

// AuthCreateHandler creates the blog's author: only the first visitor may,
// as in Tornado's demo (a second POST is a 400).
type AuthCreateHandler struct{ BaseHandler }

func (h *AuthCreateHandler) Get(...string) error {
	return h.Render("create_author.html", nil)
}

func (h *AuthCreateHandler) Post(...string) error {
	var form [3]string
	for i, name := range []string{"email", "name", "password"} {
		v, err := h.GetArgument(name)
		if err != nil {
			return err
		}
		if v == "" {
			return &web.HTTPError{Code: 400, Reason: "empty " + name}
		}
		form[i] = v
	}
	email, name, password := form[0], form[1], form[2]
	return h.Go(func(c *gen.Co) error {
		// Checked before hashing, as Tornado does, so that a refused
		// request costs no bcrypt; CreateFirstAuthor checks again, in
		// its transaction.
		exists, err := gen.Await(c, h.Blog.Store.AnyAuthor(h.Loop()))
		if err != nil {
			return err
		}
		if exists {
			return statusOf(ErrAuthorExists)
		}
		hash, err := gen.Await(c, h.Blog.hashPassword(h.Loop(), password))
		if err != nil {
			return err
		}
		author, err := gen.Await(c, h.Blog.Store.CreateFirstAuthor(h.Loop(), email, name, hash))
		if err != nil {
			return statusOf(err)
		}
		if err := h.SetSignedCookie(userCookie, []byte(strconv.FormatInt(author.ID, 10)), 0, userCookieOptions); err != nil {
			return err
		}
		return h.redirectToNext()
	})
}

// loginPage is login.html's data.
type loginPage struct {
	// Error is why the last attempt failed, "" for none.
	Error string
	// Next is where to go once logged in, carried through the form (the
	// form of Tornado's demo drops it, and its logins land on "/").
	Next string
}

// AuthLoginHandler logs an author in; before any author exists it sends
// visitors to /auth/create.
type AuthLoginHandler struct{ BaseHandler }

func (h *AuthLoginHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		exists, err := gen.Await(c, h.Blog.Store.AnyAuthor(h.Loop()))
		if err != nil {
			return err
		}
		if !exists {
			return h.Redirect("/auth/create", false)
		}
		return h.Render("login.html", loginPage{Next: h.GetArgumentDefault("next", "/")})
	})
}

func (h *AuthLoginHandler) Post(...string) error {
	email, err := h.GetArgument("email")
	if err != nil {
		return err
	}
	password, err := h.GetArgument("password")
	if err != nil {
		return err
	}
	return h.Go(func(c *gen.Co) error {
		author, err := gen.Await(c, h.Blog.Store.AuthorByEmail(h.Loop(), email))
		if errors.Is(err, ErrNotFound) {
			return h.Render("login.html", loginPage{Error: "email not found", Next: h.GetArgumentDefault("next", "/")})
		}
		if err != nil {
			return err
		}
		ok, err := gen.Await(c, h.Blog.checkPassword(h.Loop(), author.HashedPassword, password))
		if err != nil {
			return err
		}
		if !ok {
			return h.Render("login.html", loginPage{Error: "incorrect password", Next: h.GetArgumentDefault("next", "/")})
		}
		if err := h.SetSignedCookie(userCookie, []byte(strconv.FormatInt(author.ID, 10)), 0, userCookieOptions); err != nil {
			return err
		}
		return h.redirectToNext()
	})
}

// AuthLogoutHandler clears the session cookie. It is a GET, as in
// Tornado's demo (the page links to it), so another site can log a
// visitor out; it cannot do anything worse with it.
type AuthLogoutHandler struct{ BaseHandler }

func (h *AuthLogoutHandler) Get(...string) error {
	if err := h.ClearCookie(userCookie, web.CookieOptions{}); err != nil {
		return err
	}
	return h.redirectToNext()
}

// ---- passwords ----------------------------------------------------------------

// hashPassword hashes password with bcrypt on the CPU executor: a hash
// takes tens of milliseconds at the default cost, which on the loop would
// stall every connection it serves (Tornado's demo runs bcrypt in
// run_in_executor for the same reason). bcrypt reads at most 72 bytes; a
// longer password is refused with 400 rather than silently cut.
func (b *Blog) hashPassword(loop concurrent.Scheduler, password string) *concurrent.Future[string] {
	if len(password) > 72 {
		return concurrent.Failed[string](&web.HTTPError{Code: 400, Reason: "password longer than 72 bytes"})
	}
	return concurrent.RunOnExecutor(loop, b.cpu, func() (string, error) {
		h, err := bcrypt.GenerateFromPassword([]byte(password), b.BcryptCost)
		return string(h), err
	})
}

// checkPassword reports, on the CPU executor, whether password matches
// hash. A hash that is not bcrypt's is an error (a 500): the database was
// written by something else.
func (b *Blog) checkPassword(loop concurrent.Scheduler, hash, password string) *concurrent.Future[bool] {
	return concurrent.RunOnExecutor(loop, b.cpu, func() (bool, error) {
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		}
		return false, err
	})
}

// ---- the Atom feed ----------------------------------------------------------

// FeedHandler serves the 10 latest entries as an Atom feed (RFC 4287).
//
// Tornado's demo fills an XML template; here encoding/xml writes it, so
// the feed is well-formed whatever a title holds. The entries' HTML goes
// in as type="html" (escaped text, RFC 4287 section 3.1.1.2) rather than
// Tornado's type="xhtml" (inline markup), which would be well-formed only
// if the renderer's HTML were XML.
type FeedHandler struct{ BaseHandler }

// atomFeed and its parts are RFC 4287's elements, as many as the feed uses.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	ID      string      `xml:"id"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr"`
	Href  string `xml:"href,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Title string `xml:"title,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Link      atomLink    `xml:"link"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Content   atomContent `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Base string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	Text string `xml:",chardata"`
}

// atomTime is RFC 3339 in UTC, Atom's date format (RFC 4287 section 3.3).
const atomTime = "2006-01-02T15:04:05Z"

func (h *FeedHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		entries, err := gen.Await(c, h.Blog.Store.LatestEntries(h.Loop(), 10))
		if err != nil {
			return err
		}
		// Links are built from the request's Host, as in Tornado's
		// feed.xml, and its scheme, where Tornado's always says http:
		// behind a proxy that speaks https, -xheaders makes it https.
		site := h.Request.Protocol + "://" + h.Request.Host() + "/"
		updated := time.Now().UTC()
		if len(entries) > 0 {
			updated = entries[0].Updated
			for _, e := range entries {
				if e.Updated.After(updated) {
					updated = e.Updated
				}
			}
		}
		feed := atomFeed{
			Title:   h.Blog.Title,
			Updated: updated.Format(atomTime),
			ID:      site,
			Links: []atomLink{
				{Rel: "alternate", Href: site, Type: "text/html", Title: h.Blog.Title},
				{Rel: "self", Href: h.Request.FullURL(), Type: "application/atom+xml", Title: h.Blog.Title},
			},
			Author: atomPerson{Name: h.Blog.Title},
		}
		for _, e := range entries {
			u := site + "entry/" + e.Slug
			feed.Entries = append(feed.Entries, atomEntry{
				ID:        u,
				Title:     atomText{Type: "text", Text: e.Title},
				Link:      atomLink{Rel: "alternate", Href: u, Type: "text/html"},
				Updated:   e.Updated.Format(atomTime),
				Published: e.Published.Format(atomTime),
				Content:   atomContent{Type: "html", Base: site, Text: string(e.HTML)},
			})
		}
		out, err := xml.MarshalIndent(feed, "", "  ")
		if err != nil {
			return err
		}
		h.SetHeader("Content-Type", "application/atom+xml; charset=UTF-8")
		if err := h.WriteString(xml.Header); err != nil {
			return err
		}
		return h.WriteBytes(out)
	})
}
