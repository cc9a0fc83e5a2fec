// Package te holds what the TechEmpower test types ask of every server in
// bench's te workloads (json, plaintext, db, queries, fortunes, updates):
// the paths, the constant bodies, the database's schema and rows, the rule
// that clamps the queries parameter, and Check, which asks a running server
// each question and compares its answers with the rules, so that a server
// that answers wrongly fails before it is measured rather than winning.
//
// The rules are TechEmpower's ("Project Information Framework Tests
// Overview" in the FrameworkBenchmarks wiki, and the verifications of its
// toolset, toolset/test_types/*): every response carries Server and Date
// and a Content-Length or chunked body; nothing is cached between requests;
// every row is read by a query of its own; fortunes are escaped by the
// template engine.
package te

import (
	"slices"
	"strconv"
	"strings"
)

// The six paths, as every te server serves them.
const (
	PathJSON      = "/json"
	PathPlaintext = "/plaintext"
	PathDB        = "/db"
	PathQueries   = "/queries" // ?queries=N
	PathFortunes  = "/fortunes"
	PathUpdates   = "/updates" // ?queries=N
)

// Message is the JSON test's message and the plaintext test's body.
const Message = "Hello, World!"

// EnvDSN names the environment variable that holds the database's URL
// (postgres://user@127.0.0.1:PORT/hello_world) for the servers.
const EnvDSN = "TE_DSN"

// WorldRows is the size of the World table; ids and randomNumbers are in
// 1..WorldRows.
const WorldRows = 10000

// MaxQueries is the largest queries parameter honoured; larger ones are
// clamped to it, smaller than 1 or not a number to 1 (test types 3 and 5:
// "If the parameter is less than 1, use 1; greater than 500, use 500; not
// an integer, use 1").
const MaxQueries = 500

// Queries reads the queries parameter by the rule of MaxQueries.
func Queries(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil || n < 1:
		return 1
	case n > MaxQueries:
		return MaxQueries
	}
	return n
}

// Fortune is a row of the Fortune table.
type Fortune struct {
	ID      int32  `json:"id"`
	Message string `json:"message"`
}

// ExtraFortune is the row each fortunes request adds before sorting.
const ExtraFortune = "Additional fortune added at request time."

// Fortunes are the Fortune table's twelve rows, TechEmpower's
// (toolset/databases/postgres/create-postgres.sql): one carries a <script>
// that must come out escaped, one is Japanese, one has an em dash, one an
// apostrophe.
var Fortunes = []Fortune{
	{1, "fortune: No such file or directory"},
	{2, "A computer scientist is someone who fixes things that aren't broken."},
	{3, "After enough decimal places, nobody gives a damn."},
	{4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
	{5, "A computer program does what you tell it to do, not what you want it to do."},
	{6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"},
	{7, "Any program that runs right is obsolete."},
	{8, "A list is only as strong as its weakest link. — Donald Knuth"},
	{9, "Feature: A bug with seniority."},
	{10, "Computers make very fast, very accurate mistakes."},
	{11, `<script>alert("This should not be displayed in a browser alert box.");</script>`},
	{12, "フレームワークのベンチマーク"},
}

// Schema creates and fills the two tables, as TechEmpower's Postgres
// script does: World with WorldRows rows of random numbers in 1..10000,
// Fortune with Fortunes. Unquoted names, so that World, world and WORLD
// are one table and randomNumber is the column randomnumber.
func Schema() string {
	var b strings.Builder
	b.WriteString(`CREATE TABLE World (
  id integer NOT NULL,
  randomNumber integer NOT NULL default 0,
  PRIMARY KEY (id)
);
INSERT INTO World (id, randomNumber)
  SELECT x.id, least(floor(random() * 10000 + 1), 10000) FROM generate_series(1, 10000) AS x(id);
CREATE TABLE Fortune (
  id integer NOT NULL,
  message varchar(2048) NOT NULL,
  PRIMARY KEY (id)
);
`)
	for _, f := range Fortunes {
		b.WriteString("INSERT INTO Fortune (id, message) VALUES (" + strconv.Itoa(int(f.ID)) + ", '" +
			strings.ReplaceAll(f.Message, "'", "''") + "');\n")
	}
	return b.String()
}

// FortunesPage is the fortunes page every server must send, up to the
// differences Check forgives (character references for the same
// character, white space between tags): the rows plus ExtraFortune with
// id 0, sorted by message, in TechEmpower's markup.
func FortunesPage() string {
	rows := append(slices.Clone(Fortunes), Fortune{0, ExtraFortune})
	slices.SortFunc(rows, func(a, b Fortune) int { return strings.Compare(a.Message, b.Message) })
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>")
	for _, f := range rows {
		b.WriteString("<tr><td>" + strconv.Itoa(int(f.ID)) + "</td><td>" + escape(f.Message) + "</td></tr>")
	}
	b.WriteString("</table></body></html>")
	return b.String()
}

// escape is the minimal HTML escape of text content; quotes are escaped
// too, as every template engine of the peers does.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace
