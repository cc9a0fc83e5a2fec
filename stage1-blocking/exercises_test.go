//go:build exercises

package blocking

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage1-blocking/
//
// The checks themselves are in exercisecheck_test.go; exerciseanswers_test.go
// shows that they reject the usual wrong answers.

import (
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
)

func TestExercise1CrawlAtMost(t *testing.T) {
	exercisetest.Run(t, checkCrawlAtMost(CrawlAtMost))
}

func TestExercise2KeepAlive(t *testing.T) {
	exercisetest.Run(t, checkKeepAlive(func() fetchCloser { return &KeepAliveClient{} }))
}
