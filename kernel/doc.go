// Package kernel is what the course's notebooks import to show their work in
// the GoNB kernel: images, sample grids and loss plots (as HTML and SVG, which
// stay in a saved notebook), the live training and style-transfer cells, the
// backend line and the score tables.
//
// Models never import this package; notebooks do. Installing the kernel and
// running notebooks headless or in a browser is the CLI's tooling, in
// internal/jupyter, so a notebook's build does not pull it in.
package kernel
