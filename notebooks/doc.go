// Package notebooks holds the course: the GoNB notebooks that step through the
// lesson (*.ipynb), their executed copies for reading (executed/), and the
// tests that run every notebook headless, in quick mode, and that build
// programs from the notebooks' lesson cells to check them against the
// packages, as part of `go test ./...`.
package notebooks
