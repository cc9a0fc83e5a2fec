// Resolvers: host names to addresses without blocking the loop (Tornado's
// Resolver, DefaultResolver, ExecutorResolver and OverrideResolver).

package netutil

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// backgroundCtx is the context of lookups made outside any request.
func backgroundCtx() context.Context { return context.Background() }

// Resolver turns a host and port into addresses. Resolve is called on the
// loop's goroutine and resolves its Future there.
type Resolver interface {
	// Resolve returns the addresses of host (a name or a literal IP) for
	// port, restricted to family, in the order to try them.
	Resolve(loop *ioloop.IOLoop, host string, port int, family Family) *concurrent.Future[[]netip.AddrPort]
}

// DefaultResolver resolves with the Go resolver on an executor (Tornado's
// DefaultResolver runs getaddrinfo in a thread pool). A nil Executor runs
// each lookup on its own goroutine; literal IPs resolve at once.
type DefaultResolver struct {
	// Executor runs the lookups (nil: a goroutine each).
	Executor concurrent.Executor
	// Lookup, if set, replaces net.DefaultResolver.LookupNetIP (tests).
	Lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ExecutorResolver is DefaultResolver with an explicit executor, under
// Tornado's name.
type ExecutorResolver = DefaultResolver

// Resolve implements Resolver.
func (r *DefaultResolver) Resolve(loop *ioloop.IOLoop, host string, port int, family Family) *concurrent.Future[[]netip.AddrPort] {
	if ip, err := netip.ParseAddr(host); err == nil {
		out := filter([]netip.Addr{ip}, port, family)
		if len(out) == 0 {
			return concurrent.Failed[[]netip.AddrPort](fmt.Errorf("%w: %s for the family asked", ErrNoAddress, host))
		}
		return concurrent.Resolved(out)
	}
	lookup := r.Lookup
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	network := "ip"
	switch family {
	case IPv4:
		network = "ip4"
	case IPv6:
		network = "ip6"
	}
	return ioloop.RunInExecutor(loop, r.Executor, func() ([]netip.AddrPort, error) {
		ips, err := lookup(backgroundCtx(), network, host)
		if err != nil {
			return nil, fmt.Errorf("netutil: resolve %q: %w", host, err)
		}
		out := filter(ips, port, family)
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: %q", ErrNoAddress, host)
		}
		return out, nil
	})
}

// filter pairs ips with port, dropping duplicates and other families.
func filter(ips []netip.Addr, port int, family Family) []netip.AddrPort {
	var out []netip.AddrPort
	seen := map[netip.Addr]bool{}
	for _, ip := range ips {
		ip = ip.Unmap()
		if seen[ip] || (family == IPv4 && !ip.Is4()) || (family == IPv6 && !ip.Is6()) {
			continue
		}
		seen[ip] = true
		out = append(out, netip.AddrPortFrom(ip, uint16(port)))
	}
	return out
}

// OverrideResolver resolves some hosts to others before asking Resolver
// (Tornado's OverrideResolver), for tests and for pinning a name to a local
// server. Mapping keys are "host" or "host:port"; values are "host" or
// "host:port" in the same form.
type OverrideResolver struct {
	// Resolver resolves everything after the mapping.
	Resolver Resolver
	// Mapping maps hosts (or host:port pairs) to their replacements.
	Mapping map[string]string
}

// Resolve implements Resolver.
func (r *OverrideResolver) Resolve(loop *ioloop.IOLoop, host string, port int, family Family) *concurrent.Future[[]netip.AddrPort] {
	if to, ok := r.Mapping[net.JoinHostPort(host, strconv.Itoa(port))]; ok {
		if h, p, err := net.SplitHostPort(to); err == nil {
			if n, err := strconv.Atoi(p); err == nil {
				host, port = h, n
			}
		}
	} else if to, ok := r.Mapping[host]; ok {
		host = to
	}
	return r.Resolver.Resolve(loop, host, port, family)
}
