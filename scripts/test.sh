#!/usr/bin/env bash
# Runs every check and test of keybind, browser tests included. Installs
# Debian's chromium when it is missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

GOLANGCI_VERSION=v2.15.0 # pinned; bump deliberately

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then
  # A Chinese font too: the browser tests look at the console in Chinese.
  step "installing Debian's chromium and a Chinese font for the browser tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi

step "generated templ code matches its source"
before=$(git status --porcelain -- '*_templ.go' 2>/dev/null || true)
go tool templ generate -path . >/dev/null
after=$(git status --porcelain -- '*_templ.go' 2>/dev/null || true)
if [ "$before" != "$after" ]; then
  echo "go tool templ generate changed generated files; commit the regenerated code:" >&2
  echo "$after" >&2
  exit 1
fi
go tool templ fmt -fail . >/dev/null

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './data/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...

step "golangci-lint $GOLANGCI_VERSION (.golangci.yml)"
lint="$(go env GOPATH)/bin/golangci-lint"
if ! "$lint" version 2>/dev/null | grep -q "version ${GOLANGCI_VERSION#v} "; then
  echo "installing golangci-lint $GOLANGCI_VERSION through the Go module proxy (a few minutes, once)"
  GOBIN="$(go env GOPATH)/bin" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_VERSION"
fi
"$lint" run ./...

step "tests (browser tests in Debian's chromium included)"
KEYBIND_REQUIRE_BROWSER=1 go test -count=1 -timeout 20m ./...

step "race detector on the concurrent packages"
go test -race -count=1 -timeout 20m ./handlers/... ./web ./internal/jobs ./internal/cloud/... ./internal/auth
