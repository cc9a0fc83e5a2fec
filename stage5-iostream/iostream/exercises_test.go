//go:build exercises

package iostream

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage5-iostream/iostream/
//
// The checks themselves are in exercisecheck_test.go; exerciseanswers_test.go
// shows that they reject the usual wrong answers.

import (
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
)

func TestExercise1ReadLines(t *testing.T) {
	exercisetest.Run(t, checkReadLines(ReadLines))
}

func TestExercise2Copy(t *testing.T) {
	exercisetest.Run(t, checkCopy(Copy))
}
