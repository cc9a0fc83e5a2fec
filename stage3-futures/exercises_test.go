//go:build exercises

package futures

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage3-futures/
//
// The checks themselves are in exercisecheck_test.go; exerciseanswers_test.go
// shows that they reject the usual wrong answers.

import (
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
)

func TestExercise1AnyOf(t *testing.T) {
	exercisetest.Run(t, checkAnyOf(AnyOf))
}

func TestExercise2WithTimeout(t *testing.T) {
	exercisetest.Run(t, checkWithTimeout(WithTimeout))
}
