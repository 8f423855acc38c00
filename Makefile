# Parley: make dev runs the whole system locally, make test runs every test.
SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0
FUNCTIONS := WidgetApiFunction WidgetFilesFunction AgentApiFunction WsConnectFunction WsDisconnectFunction WsMessageFunction TranscriptFunction InboundMailFunction MailFeedbackFunction EventPublisherFunction SearchIndexerFunction InactivitySweeperFunction WebPublisherFunction RouterFunction ReportsFunction
# The local cloud and make bench build with the same flags (lambdaemu.BuildFlags).
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -gcflags github.com/aws/...=-l -ldflags "-s -w"
TEST_TIMEOUT ?= 30m

.PHONY: help setup web browser dev test screenshots build bench soak fuzz lint deploy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## download Go modules
	@echo "==> downloading Go modules"
	@$(GO) mod download

# npm ci runs only when node_modules is missing or the lockfile changed
# since the last install (the stamp keeps a copy of the lockfile).
web: ## build the widget and the inbox into web/dist (npm ci first when needed)
	@if ! cmp -s web/package-lock.json web/node_modules/.parley-lockfile; then \
	  echo "==> npm ci (web/node_modules is missing or web/package-lock.json changed)"; \
	  (cd web && npm ci --no-audit --no-fund) && cp web/package-lock.json web/node_modules/.parley-lockfile || exit 1; \
	fi
	@echo "==> building the widget and the inbox (esbuild) into web/dist"
	@cd web && node build.mjs

browser: ## install Debian's chromium for the browser tests when it is missing
	@if ! command -v chromium >/dev/null; then \
	  echo "==> installing chromium for the browser tests (apt-get)"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || exit 1; \
	fi

dev: setup web ## run the whole system locally (local cloud on 127.0.0.1:3000)
	@echo "==> starting the local cloud (builds every function first)"
	@$(GO) run ./infra/cmd/localcloud $(ARGS)

test: setup web browser ## run every test: domain, store, handlers, local cloud, end to end, browser
	@echo "==> go vet"
	@$(GO) vet ./...
	@echo "==> tsc --noEmit (web: strict TypeScript)"
	@cd web && npx --no-install tsc --noEmit -p tsconfig.json
	@echo "==> wire types: web/shared/wire.ts must accept every answer and frame in web/test/wire-samples.json (recorded from the Go functions by TestWireSamples)"
	@cd web && node test/check-wire.mjs
	@echo "==> node --test (web: the inbox's state, router and texts; link renderer properties, seeded)"
	@cd web && node test/run.mjs
	@echo "==> go test: domain, store over the wire, handlers, local cloud, end to end (TestWireSamples: the functions still answer in the shapes of web/test/wire-samples.json; -update rewrites it)"
	@$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $$($(GO) list ./... | grep -v /infra/browser)
	@echo "==> go test ./infra/browser (alone: a real browser and a local cloud want the machine)"
	@$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./infra/browser

screenshots: setup web browser ## run the browser tests and refresh docs/screenshots
	@echo "==> browser tests, writing the README's screenshots into docs/screenshots"
	@$(GO) test -count=1 ./infra/browser -update-screenshots

build: ## build every function for Lambda (linux/arm64) into dist/<Function>/bootstrap
	@for fn in $(FUNCTIONS); do \
	  echo "==> building $$fn for linux/arm64"; \
	  $(MAKE) --no-print-directory build-$$fn ARTIFACTS_DIR=dist/$$fn || exit 1; \
	done

# sam build calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile).
build-%Function:
	@dir=functions/$$(echo '$*' | sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr 'A-Z' 'a-z'); \
	mkdir -p "$(ARTIFACTS_DIR)"; \
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_LAMBDA) -o "$(ARTIFACTS_DIR)/bootstrap" ./$$dir

# The web publisher ships the built widget and inbox next to its bootstrap
# (web/, webpublish.ArtifactDir): the stack writes them to its bucket.
build-WebPublisherFunction: web
	@mkdir -p "$(ARTIFACTS_DIR)"
	@CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_LAMBDA) -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/web-publisher
	@rm -rf "$(ARTIFACTS_DIR)/web" && cp -R web/dist "$(ARTIFACTS_DIR)/web"

bench: setup web browser ## measure calls, pushes and latency per message through the local cloud
	@echo "==> benchmark: scripted conversations through the local cloud"
	@$(GO) run ./infra/cmd/bench $(ARGS)

soak: setup ## load 500 visitors and 10 agents with dropped connections; check exact-once delivery; compare with a bare relay
	@echo "==> soak: the local cloud under load and faults, then a bare WebSocket relay with the same load"
	@$(GO) run ./infra/cmd/soak $(ARGS)

# Every Go fuzz target of the repository (found by grep, so a new one runs
# without being listed here), FUZZTIME each, then the link renderer's random
# texts for as long. Their seed corpora run in make test already.
FUZZTIME ?= 30s
fuzz: setup web ## run every fuzz target for FUZZTIME each (default 30s; FUZZTIME=5m for longer)
	@set -e; targets=$$(git ls-files '*_test.go' | xargs grep -H '^func Fuzz[A-Za-z0-9_]*(' | sed -E 's#^(.*)/[^/]*_test.go:func (Fuzz[A-Za-z0-9_]*)\(.*#./\1 \2#' | sort -u); \
	  total=$$(echo "$$targets" | wc -l); i=0; \
	  while read -r pkg fn; do \
	    i=$$((i+1)); echo "==> [$$i/$$total] $$fn in $$pkg for $(FUZZTIME)"; \
	    if ! $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg" > .fuzz.out 2>&1; then \
	      cat .fuzz.out; rm -f .fuzz.out; echo "fuzz: $$fn in $$pkg failed (a new failing input is saved in $$pkg/testdata/fuzz/$$fn)"; exit 1; \
	    fi; grep -v '^fuzz: elapsed' .fuzz.out | head -n 3; grep '^fuzz: elapsed' .fuzz.out | tail -n 1; rm -f .fuzz.out; \
	  done <<< "$$targets"
	@secs=$$(echo "$(FUZZTIME)" | sed -n 's/^\([0-9]*\)s$$/\1/p'); secs=$${secs:-30}; \
	  echo "==> link renderer (web/shared/links.ts): random texts for $${secs}s"; \
	  cd web && FUZZ_SECONDS=$$secs node test/run.mjs

lint: ## gofmt, go vet, staticcheck, go mod tidy check, cfn-lint (when installed)
	@echo "==> gofmt"
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	@echo "==> go vet"
	@$(GO) vet ./...
	@echo "==> staticcheck"
	@$(GO) run $(STATICCHECK) ./...
	@echo "==> go mod tidy leaves no diff"
	@cp go.mod /tmp/parley.go.mod.bak; cp go.sum /tmp/parley.go.sum.bak; $(GO) mod tidy; \
	  if ! git diff --quiet -- go.mod go.sum; then git diff -- go.mod go.sum; cp /tmp/parley.go.mod.bak go.mod; cp /tmp/parley.go.sum.bak go.sum; echo "go mod tidy changes go.mod/go.sum"; exit 1; fi
	@echo "==> cfn-lint template.yaml"
	@if command -v cfn-lint >/dev/null; then cfn-lint template.yaml || { echo "cfn-lint: template.yaml would not deploy as written (see above)"; exit 1; }; \
	  else echo "cfn-lint is not installed: template.yaml not linted (pip install cfn-lint to check it before deploying)"; fi

# One command deploys everything: the stack itself publishes the widget and
# the inbox (the WebPublish custom resource), so there is no second step.
deploy: ## sam build && sam deploy (guided the first time; needs the SAM CLI and AWS credentials)
	@command -v sam >/dev/null || { echo "deploy needs the AWS SAM CLI: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"; exit 1; }
	@sam build && sam deploy $(if $(wildcard samconfig.toml),,--guided) $(ARGS)

clean: ## remove build output
	@rm -rf .localcloud dist .aws-sam web/dist
