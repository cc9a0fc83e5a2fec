package demo

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitAddr(t *testing.T) {
	host, port, err := SplitAddr("127.0.0.1:8888")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	assert.Equal(t, 8888, port)
	for _, bad := range []string{"127.0.0.1:99999", "127.0.0.1:x", "nocolon"} {
		_, _, err := SplitAddr(bad)
		assert.Error(t, err, bad)
	}
}

// Usage errors and start failures end Run with their exit codes, before any
// signal is waited for.
func TestRunExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	p := New("x", &errOut)
	p.Check = func() error { return errors.New("bad flag") }
	assert.Equal(t, 2, p.Run(nil, &out, nil))
	assert.Contains(t, errOut.String(), "x: bad flag")

	errOut.Reset()
	p = New("x", &errOut)
	assert.Equal(t, 1, p.Run([]string{"-addr", "127.0.0.1:0"}, &out, func() (string, func() error, error) {
		return "", nil, errors.New("cannot listen")
	}))
	assert.Equal(t, "x: cannot listen\n", errOut.String())

	assert.Equal(t, 2, New("x", &errOut).Run([]string{"-nosuchflag"}, &out, nil))
}
