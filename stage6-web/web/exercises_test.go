//go:build exercises

package web_test

// The tests of chapter 6's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage6-web/web/
//
// The checks themselves are in exercisecheck_test.go; exerciseanswers_test.go
// shows that they reject the usual wrong answers.

import (
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/stage6-web/web"
)

func TestExercise1CompressBody(t *testing.T) {
	exercisetest.Run(t, checkCompressBody((*web.RequestHandler).CompressBody))
}

func TestExercise2AwaitTimeout(t *testing.T) {
	exercisetest.Run(t, checkAwaitTimeout((*web.RequestHandler).AwaitTimeout))
}
