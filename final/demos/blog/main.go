// Command blog is Tornado's demos/blog on gornado's final/web: a blog with
// one author, Markdown posts, an archive and an Atom feed, stored in SQLite
// (the default, a file created on first run) or PostgreSQL.
//
//	go run . -addr 127.0.0.1:8888 -db blog.db
//	go run . -db postgres://blog:blog@127.0.0.1:5432/blog
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/blog/blogapp"
)

func main() { os.Exit(blogapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
