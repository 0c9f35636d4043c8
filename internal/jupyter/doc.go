// Package jupyter is the tooling around the course's notebooks that the CLI
// and the tests use: it installs the GoNB kernel "ganbook" from the tool
// versions pinned in go.mod (for the user's Jupyter, or inside the checkout for
// the tests), says what is missing and how to install it, runs notebooks
// headless with Jupyter's client, publishes executed copies, and drives
// Jupyter's page in headless Chromium (chromedp) for the browser test and the
// screenshots.
package jupyter
