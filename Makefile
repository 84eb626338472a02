# Baton's build. `make test` is the whole suite CI runs.
GO ?= go
PKGS := ./...
FUZZTIME ?= 10s

.PHONY: build test run bench fuzz vet

build:
	$(GO) build -o bin/baton ./cmd/baton

vet:
	$(GO) vet $(PKGS)

test: vet
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

run:
	$(GO) run ./cmd/baton run

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Every fuzz target, briefly. Go runs one target per invocation, so list them.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
