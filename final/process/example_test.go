package process_test

import (
	"fmt"
	"os/exec"
	"time"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/process"
)

// Feed a child through its stdin and read its stdout.
func Example() {
	loop, _ := ioloop.New()
	defer loop.Close(true)
	out, err := gen.Run(loop, 5*time.Second, func(c *gen.Co) (string, error) {
		p, err := process.New(loop, exec.Command("tr", "a-z", "A-Z"), process.Options{Stdin: true, Stdout: true})
		if err != nil {
			return "", err
		}
		p.Stdin.Write([]byte("shout\n"))
		p.Stdin.Close()
		data, err := gen.Await(c, p.Stdout.ReadUntilClose())
		if err != nil {
			return "", err
		}
		_, err = gen.Await(c, p.WaitForExit(true))
		return string(data), err
	})
	fmt.Print(out, err)
	// Output:
	// SHOUT
	// <nil>
}
