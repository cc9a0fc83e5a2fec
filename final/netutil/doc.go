// Package netutil holds the socket helpers under TCPServer and TCPClient,
// Tornado's tornado.netutil.
//
// # Listening
//
// BindSockets creates listening sockets for a port on one address or all
// (IPv4 and IPv6), with SO_REUSEADDR, and optionally SO_REUSEPORT so that
// one socket per loop can share a port. BindUnixSocket does the same for a
// Unix socket. AddAcceptHandler runs a callback on the loop for every
// connection accepted; when the process runs out of descriptors it backs
// off instead of spinning, and the open connections keep being served.
//
// # Resolving
//
// A Resolver turns host names into addresses without blocking the loop:
// DefaultResolver asks the Go resolver on an executor, and OverrideResolver
// maps chosen hosts to others first.
package netutil
