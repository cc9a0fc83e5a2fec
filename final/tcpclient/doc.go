// Package tcpclient opens TCP connections as iostream.IOStreams, Tornado's
// tornado.tcpclient.
//
// # Happy Eyeballs
//
// TCPClient.Connect resolves the host (netutil.Resolver), then races its
// addresses as Tornado does (Happy Eyeballs, RFC 6555): the addresses of the
// first family are tried in turn, and if none has connected after
// InitialConnectTimeout (0.3 s), or the first fails, the other family's are
// tried alongside; the first to connect wins and the others are closed.
//
// # Options
//
// Options add a whole-connect Timeout, TLS (with the host as SNI server name
// unless set), a source address, and the stream's buffer limit.
package tcpclient
