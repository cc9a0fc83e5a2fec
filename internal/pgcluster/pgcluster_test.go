package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A cluster starts, takes connections on its port, and leaves nothing
// behind once stopped. Without PostgreSQL the test skips, except in CI.
func TestStartAndStop(t *testing.T) {
	c, err := Start(Options{Superuser: "gornado"})
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	require.NoError(t, err)
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", c.port), 10*time.Second)
	require.NoError(t, err)
	conn.Close()
	require.Contains(t, c.DSN("db"), fmt.Sprintf("postgres://gornado@127.0.0.1:%d/db", c.port))
	require.NoError(t, c.Stop())
	_, err = os.Stat(c.dir)
	require.True(t, os.IsNotExist(err), "the cluster's directory is left: %v", err)
}
