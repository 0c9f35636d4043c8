// Package kernel connects ganbook to Jupyter: it installs a GoNB kernel named
// "ganbook" built from the tool versions pinned in go.mod, checks an
// installation line by line, shows images, sample grids and loss plots in
// notebooks (as HTML and SVG, which stay in a saved notebook), and runs
// notebooks headless as tests.
//
// Models never import this package; notebooks and the CLI do.
package kernel
