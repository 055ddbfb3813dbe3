#!/usr/bin/env bash
# Runs every check and test of keybind, browser tests included. Installs
# Debian's chromium when it is missing (needs root or sudo). The store, job
# engine, web and handler tests run twice: on SQLite, then on PostgreSQL at
# 127.0.0.1:5432 (user postgres, trust authentication), which is installed
# from Debian and started when nothing answers there.
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

# postgres_answers: true when a server accepts connections on 127.0.0.1:5432.
postgres_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

if ! postgres_answers; then
  step "installing and starting Debian's postgresql on 127.0.0.1:5432 (trust authentication, for tests only)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
  if [ -z "$(pg_lsclusters --no-header)" ]; then # the package made none (create_main_cluster = false)
    $SUDO pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" main
  fi
  read -r pg_version pg_cluster _ < <(pg_lsclusters --no-header | head -n 1)
  pg_conf="/etc/postgresql/$pg_version/$pg_cluster"
  $SUDO sed -i -E 's/^(local|host)(\s+all\s+all\s+.*\s)(peer|md5|scram-sha-256)\s*$/\1\2trust/' "$pg_conf/pg_hba.conf"
  $SUDO sed -i -E 's/^(local\s+all\s+postgres\s+)peer\s*$/\1trust/' "$pg_conf/pg_hba.conf"
  echo "listen_addresses = '127.0.0.1'" | $SUDO tee "$pg_conf/conf.d/keybind-tests.conf" >/dev/null
  $SUDO pg_ctlcluster "$pg_version" "$pg_cluster" restart || $SUDO service postgresql restart
  for _ in $(seq 1 30); do postgres_answers && break; sleep 1; done
  postgres_answers || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
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

step "the store, job engine, web and handler tests again, on PostgreSQL"
KEYBIND_TEST_DATABASE=postgres go test -count=1 -timeout 20m ./internal/store/... ./internal/jobs ./internal/auth \
  ./internal/selection ./internal/accounts ./internal/cli ./web ./handlers/...
KEYBIND_TEST_DATABASE=postgres go test -count=1 -timeout 10m -run 'TestFailover' ./internal/e2e

step "race detector on the concurrent packages"
go test -race -count=1 -timeout 20m ./handlers/... ./web ./internal/jobs ./internal/cloud/... ./internal/auth
