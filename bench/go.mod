module github.com/gornado/gornado/bench

go 1.23.0
