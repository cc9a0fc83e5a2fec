package web_test

// Runs the checkers of exercisecheck_test.go on the model answers and on the
// wrong answers of export_exercises_test.go, so CI checks that the exercise
// tests would catch each mistake, within their deadlines:
//
//	go test -v -run TestExerciseCheckers ./stage6-web/web/

import (
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/stage6-web/web"
)

func TestExerciseCheckers(t *testing.T) {
	t.Run("CompressBody", func(t *testing.T) {
		exercisetest.Reject(t, checkCompressBody, web.Compressor{}.Compress, []exercisetest.Wrong[compressFunc]{
			{Mistake: "the starting point: no compression", Answer: (*web.RequestHandler).CompressBody},
			{Mistake: "gzips whatever the client accepts", Answer: web.Compressor{IgnoreAccept: true}.Compress},
			{Mistake: "takes gzip;q=0 as accepting", Answer: web.Compressor{IgnoreQ: true}.Compress},
			{Mistake: "matches gzip case-sensitively", Answer: web.Compressor{CaseSensitive: true}.Compress},
			{Mistake: "forgets Vary", Answer: web.Compressor{NoVary: true}.Compress},
			{Mistake: "compresses a tiny body", Answer: web.Compressor{AnySize: true}.Compress},
		})
	})
	t.Run("AwaitTimeout", func(t *testing.T) {
		exercisetest.Reject(t, checkAwaitTimeout, web.ModelAwaitTimeout, []exercisetest.Wrong[awaitTimeoutFunc]{
			{Mistake: "the starting point: not implemented", Answer: (*web.RequestHandler).AwaitTimeout},
			{Mistake: "no timer: waits for the Future", Answer: web.PatientAwaitTimeout},
			{Mistake: "time.Sleep on the loop", Answer: web.SleepingAwaitTimeout},
			{Mistake: "drops the Future's error", Answer: web.ErrorlessAwaitTimeout},
		})
	})
}
