package procmem

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const status = `Name:	nginx
Umask:	0022
State:	S (sleeping)
Pid:	4242
VmPeak:	   60000 kB
VmSize:	   55000 kB
VmHWM:	   13000 kB
VmRSS:	   12345 kB
RssAnon:	    2000 kB
Threads:	1
`

func TestParseVmRSS(t *testing.T) {
	n, err := ParseVmRSS(strings.NewReader(status))
	require.NoError(t, err)
	assert.Equal(t, int64(12345*1024), n)
}

func TestParseVmRSSMissingOrMalformed(t *testing.T) {
	_, err := ParseVmRSS(strings.NewReader("Name:\tkthreadd\nState:\tS\n"))
	assert.ErrorContains(t, err, "no VmRSS")
	_, err = ParseVmRSS(strings.NewReader("VmRSS:\t12 MB\n"))
	assert.ErrorContains(t, err, "malformed")
	_, err = ParseVmRSS(strings.NewReader("VmRSS:\tx kB\n"))
	assert.Error(t, err)
}

func TestParseStatus(t *testing.T) {
	m, err := ParseStatus(strings.NewReader(status), "VmHWM", "VmRSS")
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"VmHWM": 13000 * 1024, "VmRSS": 12345 * 1024}, m)
	// A name that is a prefix of another (VmRSS of RssAnon) is not
	// confused with it; a missing one is an error, not a zero.
	_, err = ParseStatus(strings.NewReader(status), "VmSwap")
	assert.ErrorContains(t, err, "no VmSwap")
	_, err = ParseStatus(strings.NewReader("VmHWM:\t1 MB\n"), "VmHWM")
	assert.ErrorContains(t, err, "malformed VmHWM")
}

func TestReadMemOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	m, err := ReadMem(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, m.RSS, int64(1<<20))
	assert.GreaterOrEqual(t, m.HWM, m.RSS, "the high-water mark is never below RSS")
}

// The test process itself has a VmRSS: a check on the real file format.
func TestRSSOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	n, err := RSS(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, n, int64(1<<20))
	total, err := TotalRSS([]int{os.Getpid(), os.Getpid()})
	require.NoError(t, err)
	assert.InDelta(t, 2*n, total, float64(n)/2)
}

func TestParseChildren(t *testing.T) {
	pids, err := ParseChildren("123 456 \n")
	require.NoError(t, err)
	assert.Equal(t, []int{123, 456}, pids)
	pids, err = ParseChildren("")
	require.NoError(t, err)
	assert.Empty(t, pids)
	_, err = ParseChildren("12 x")
	assert.Error(t, err)
}

func TestChildrenOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc on this system")
	}
	cmd := exec.Command("sleep", "5")
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	pids, err := Children(os.Getpid())
	require.NoError(t, err)
	assert.Contains(t, pids, cmd.Process.Pid)
}

func TestPerConn(t *testing.T) {
	assert.Equal(t, 1024.0, PerConn(10<<20, 10<<20+10000*1024, 10000))
	assert.Equal(t, 0.0, PerConn(1, 2, 0))
}

func TestParseStatCPU(t *testing.T) {
	// A real line of /proc/PID/stat, with a command name holding a space and
	// a parenthesis; utime 1500 and stime 250.
	line := "4242 (my (srv) x) S 1 4242 4242 0 -1 4194560 1038 0 0 0 1500 250 0 0 20 0 3 0 1771 1236992000 3281 18446744073709551615\n"
	n, err := ParseStatCPU(line)
	require.NoError(t, err)
	assert.Equal(t, int64(1750), n)

	_, err = ParseStatCPU("4242 no parenthesis")
	assert.Error(t, err)
	_, err = ParseStatCPU("4242 (x) S 1 2")
	assert.Error(t, err)
}

func TestCPUTicksOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	_, err := CPUTicks([]int{os.Getpid()})
	require.NoError(t, err)
	_, err = CPUTicks([]int{-1})
	assert.Error(t, err)
}

func TestParseMachineBusy(t *testing.T) {
	n, err := ParseMachineBusy("cpu  100 5 30 9000 7 1 2 0 0 0\ncpu0 50 2 15 4500 3 0 1 0 0 0\n")
	require.NoError(t, err)
	assert.Equal(t, int64(135), n)
	_, err = ParseMachineBusy("intr 1 2 3\n")
	assert.Error(t, err)
	_, err = ParseMachineBusy("cpu 1 x 3 4\n")
	assert.Error(t, err)
	if _, err := os.Stat("/proc/stat"); err == nil {
		_, err = MachineBusy()
		assert.NoError(t, err)
	}
}
