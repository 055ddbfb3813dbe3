// Package e2e holds the browser tests: the whole console in Debian's
// Chromium, driven by chromedp, asserting on what a user sees.
package e2e
