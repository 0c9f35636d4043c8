// Package notebooks holds the course: the GoNB notebooks that step through the
// lesson (*.ipynb), their executed copies for reading (executed/), and the
// test that runs every notebook headless, in quick mode, as part of
// `go test ./...`.
package notebooks
