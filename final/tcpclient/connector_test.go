package tcpclient

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
)

// fakeStream records whether the connector closed it.
type fakeStream struct {
	addr   netip.AddrPort
	closed bool
}

func (f *fakeStream) Close() error { f.closed = true; return nil }

// fakeNet hands out attempts whose outcome the test decides (Tornado's
// ConnectorTest uses the same shape).
type fakeNet struct {
	attempts map[netip.AddrPort]*concurrent.Future[struct{}]
	streams  map[netip.AddrPort]*fakeStream
	order    []netip.AddrPort
}

func newFakeNet() *fakeNet {
	return &fakeNet{attempts: map[netip.AddrPort]*concurrent.Future[struct{}]{}, streams: map[netip.AddrPort]*fakeStream{}}
}

func (n *fakeNet) connect(ap netip.AddrPort) (*fakeStream, *concurrent.Future[struct{}]) {
	f := concurrent.NewFuture[struct{}]()
	s := &fakeStream{addr: ap}
	n.attempts[ap], n.streams[ap], n.order = f, s, append(n.order, ap)
	return s, f
}

var (
	v4a = netip.MustParseAddrPort("127.0.0.1:80")
	v4b = netip.MustParseAddrPort("127.0.0.2:80")
	v6a = netip.MustParseAddrPort("[::1]:80")
	v6b = netip.MustParseAddrPort("[::2]:80")
)

func newTestLoop(t *testing.T) *ioloop.IOLoop {
	l, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

func TestSplit(t *testing.T) {
	p, s := split([]netip.AddrPort{v6a, v4a, v6b, v4b})
	assert.Equal(t, []netip.AddrPort{v6a, v6b}, p)
	assert.Equal(t, []netip.AddrPort{v4a, v4b}, s)
}

func TestConnectorImmediateSuccess(t *testing.T) {
	l := newTestLoop(t)
	n := newFakeNet()
	c := newConnector(l, []netip.AddrPort{v6a, v4a}, n.connect)
	f := c.start()
	assert.Equal(t, []netip.AddrPort{v6a}, n.order, "only the primary family at first")
	n.attempts[v6a].SetResult(struct{}{})
	s, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, v6a, s.addr)
	assert.False(t, c.timing, "the stagger timer is cancelled")
}

func TestConnectorOneFamilySecondTry(t *testing.T) {
	l := newTestLoop(t)
	n := newFakeNet()
	c := newConnector(l, []netip.AddrPort{v4a, v4b}, n.connect)
	f := c.start()
	n.attempts[v4a].SetException(errors.New("refused"))
	assert.Equal(t, []netip.AddrPort{v4a, v4b}, n.order)
	n.attempts[v4b].SetResult(struct{}{})
	s, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, v4b, s.addr)
}

func TestConnectorTwoFamiliesImmediateFailure(t *testing.T) {
	// The primary fails before the stagger: the secondary starts at once.
	l := newTestLoop(t)
	n := newFakeNet()
	c := newConnector(l, []netip.AddrPort{v6a, v4a}, n.connect)
	f := c.start()
	n.attempts[v6a].SetException(errors.New("no route"))
	assert.Equal(t, []netip.AddrPort{v6a, v4a}, n.order)
	n.attempts[v4a].SetResult(struct{}{})
	s, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, v4a, s.addr)
}

func TestConnectorAllFail(t *testing.T) {
	l := newTestLoop(t)
	n := newFakeNet()
	c := newConnector(l, []netip.AddrPort{v6a, v4a}, n.connect)
	f := c.start()
	n.attempts[v6a].SetException(errors.New("first"))
	n.attempts[v4a].SetException(errors.New("last"))
	assert.EqualError(t, f.Exception(), "last", "the last error is reported")
	empty := newConnector(l, nil, n.connect).start()
	assert.ErrorIs(t, empty.Exception(), ErrConnectFailed)
}

func TestConnectorStaggerThenLateArrival(t *testing.T) {
	// The primary hangs; after InitialConnectTimeout the secondary starts
	// and wins; the primary's late success is closed.
	l := newTestLoop(t)
	n := newFakeNet()
	var f *concurrent.Future[*fakeStream]
	start := time.Now()
	_, err := gen.Run(l, 5*time.Second, func(co *gen.Co) (struct{}, error) {
		f = newConnector(l, []netip.AddrPort{v6a, v4a}, n.connect).start()
		for len(n.order) < 2 {
			gen.Await(co, gen.Sleep(l, 10*time.Millisecond))
		}
		return struct{}{}, nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), InitialConnectTimeout)
	assert.Equal(t, []netip.AddrPort{v6a, v4a}, n.order)
	n.attempts[v4a].SetResult(struct{}{})
	s, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, v4a, s.addr)
	assert.True(t, n.streams[v6a].closed, "the losing attempt is closed")
	n.attempts[v6a].SetResult(struct{}{})
	assert.False(t, n.streams[v4a].closed)
}
