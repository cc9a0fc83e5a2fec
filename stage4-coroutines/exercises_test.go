//go:build exercises

package coroutines_test

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage4-coroutines/
//
// The checks themselves are in exercisecheck_test.go; exerciseanswers_test.go
// shows that they reject the usual wrong answers.

import (
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
	coroutines "github.com/gornado/gornado/stage4-coroutines"
)

func TestExercise1CrawlAtMost(t *testing.T) {
	exercisetest.Run(t, checkCrawlAtMost(coroutines.CrawlAtMost))
}

func TestExercise2Retry(t *testing.T) {
	exercisetest.Run(t, checkRetry(coroutines.Retry))
}
