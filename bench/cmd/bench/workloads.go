package main

import "github.com/gornado/gornado/bench/internal/results"

// The workloads, each a row of the results: what load, on which peers, in
// which unit, and the peer ratios fall back to while final has no number.

// method says which load generator measures a workload.
type method int

const (
	wrkLoad   method = iota // wrk on core 1 against a server on core 0
	idleMem                 // cmd/idleconns: VmRSS growth per idle keep-alive connection
	wsEcho                  // cmd/wsload: WebSocket echo of 1 KiB messages
	clientGet               // an HTTP client on core 0 fetching from nginx on core 1
)

// Workload is one measured load.
type Workload struct {
	Name   string
	Title  string
	Unit   string
	Higher bool // higher is better
	Method method
	// wrk's settings.
	Path     string
	Conns    int
	Pipeline int  // requests per write; 0 or 1 for none
	AllCores bool // no pinning, GOMAXPROCS=2, wrk with 2 threads
	// Fallback is the reference for ratios while final has no number.
	Fallback string
	// TE marks TechEmpower's test types (te.go): the peers run their te
	// programs, and TechEmpower's checks replace checkEndpoints.
	TE bool
	// Applies reports whether a peer takes part.
	Applies func(Peer) bool
	// Levels, set by -levels te (levels.go), make the workload a sweep:
	// measured at each level's connections, pipeline depth and queries in
	// turn instead of at Conns, Pipeline and Path's queries. Axis is what
	// varies along them (results.AxisConns or AxisQueries).
	Levels []results.Level
	Axis   string
}

func httpServer(p Peer) bool { return p.HTTP }
func wsServer(p Peer) bool   { return p.WS }
func httpClient(p Peer) bool { return p.Client }

var workloads = []Workload{
	{Name: "hello64", Title: "GET / hello world, 64 keep-alive connections", Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: "/", Conns: 64, Fallback: "nethttp", Applies: httpServer},
	{Name: "hello512", Title: "GET / hello world, 512 keep-alive connections", Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: "/", Conns: 512, Fallback: "nethttp", Applies: httpServer},
	{Name: "pipeline16", Title: "GET / pipelined, depth 16, 64 connections", Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: "/", Conns: 64, Pipeline: 16, Fallback: "nethttp", Applies: httpServer},
	// hellojson was "json" until the te workloads (te.go) took that name
	// for TechEmpower's json test; results before 2026-12-07 call it json.
	{Name: "hellojson", Title: "GET /json, 64 connections", Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: "/json", Conns: 64, Fallback: "nethttp", Applies: httpServer},
	{Name: "64k", Title: "GET /64k, a 64 KiB answer, 64 connections", Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: "/64k", Conns: 64, Fallback: "nethttp", Applies: httpServer},
	{Name: "idlemem", Title: "resident memory per idle keep-alive connection, 10k open", Unit: "bytes/conn", Higher: false,
		Method: idleMem, Path: "/", Fallback: "nethttp", Applies: httpServer},
	{Name: "wsecho", Title: "WebSocket echo, 1 KiB messages, 64 connections", Unit: "messages/s", Higher: true,
		Method: wsEcho, Conns: 64, Fallback: "gorilla", Applies: wsServer},
	{Name: "client", Title: "HTTP client GET / from nginx, 64 concurrent", Unit: "requests/s", Higher: true,
		Method: clientGet, Path: "/", Conns: 64, Fallback: "nethttp-client", Applies: httpClient},
	{Name: "allcores", Title: "GET / hello world, 64 connections, both cores shared by server and wrk", Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: "/", Conns: 64, AllCores: true, Fallback: "nethttp", Applies: httpServer},
}
