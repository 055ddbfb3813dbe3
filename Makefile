# Everyday developer targets. The README's two commands need only Go:
#   go run .            the console
#   ./scripts/test.sh   every test, browser tests included
.PHONY: run generate fmt lint test bench vendor

run:
	go run .

generate:
	go tool templ generate -path .

fmt:
	go tool templ fmt .
	gofmt -w $$(git ls-files '*.go')

lint:
	go vet ./...
	go tool templ fmt -fail .
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$$(go env GOPATH)/bin/golangci-lint run ./...   # installed (pinned) by ./scripts/test.sh

test:
	./scripts/test.sh

bench:
	go test -run '^$$' -bench . -benchmem ./...

vendor:
	./scripts/vendor-static.sh
