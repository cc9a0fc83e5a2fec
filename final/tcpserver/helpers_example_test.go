package tcpserver_test

import "github.com/gornado/gornado/final/netutil"

func netutilOptions() netutil.BindOptions { return netutil.BindOptions{ReusePort: true} }
