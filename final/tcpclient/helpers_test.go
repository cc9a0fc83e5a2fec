package tcpclient

import (
	"crypto/tls"
	"net"
)

func tlsServer(c net.Conn, cfg *tls.Config) *tls.Conn { return tls.Server(c, cfg) }
