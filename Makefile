# Parley: make dev runs the whole system locally, make test runs every test.
SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0
FUNCTIONS := WidgetApiFunction AgentApiFunction WsConnectFunction WsDisconnectFunction WsMessageFunction TranscriptFunction InboundMailFunction MailFeedbackFunction EventPublisherFunction InactivitySweeperFunction
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags "-s -w"
TEST_TIMEOUT ?= 30m

.PHONY: help setup dev test build bench lint deploy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## download Go modules
	@echo "==> downloading Go modules"
	@$(GO) mod download

dev: setup ## run the whole system locally (local cloud on 127.0.0.1:3000)
	@echo "==> starting the local cloud (builds every function first)"
	@$(GO) run ./infra/cmd/localcloud $(ARGS)

test: setup ## run every test: domain, store, handlers, local cloud, end to end
	@echo "==> go vet"
	@$(GO) vet ./...
	@echo "==> go test ./... (domain, store over the wire, handlers, local cloud, end to end)"
	@$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

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

bench: setup ## measure calls, pushes and latency per message through the local cloud
	@echo "==> benchmark: scripted conversations through the local cloud"
	@$(GO) run ./infra/cmd/bench $(ARGS)

lint: ## gofmt, go vet, staticcheck, go mod tidy check
	@echo "==> gofmt"
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	@echo "==> go vet"
	@$(GO) vet ./...
	@echo "==> staticcheck"
	@$(GO) run $(STATICCHECK) ./...
	@echo "==> go mod tidy leaves no diff"
	@cp go.mod /tmp/parley.go.mod.bak; cp go.sum /tmp/parley.go.sum.bak; $(GO) mod tidy; \
	  if ! git diff --quiet -- go.mod go.sum; then git diff -- go.mod go.sum; cp /tmp/parley.go.mod.bak go.mod; cp /tmp/parley.go.sum.bak go.sum; echo "go mod tidy changes go.mod/go.sum"; exit 1; fi

deploy: ## sam build && sam deploy --guided (needs the SAM CLI and AWS credentials)
	@command -v sam >/dev/null || { echo "deploy needs the AWS SAM CLI: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"; exit 1; }
	@echo "==> sam build (BuildMethod makefile: make build-<Function> for linux/arm64)"
	@sam build
	@echo "==> sam deploy"
	@sam deploy $(if $(wildcard samconfig.toml),,--guided) $(ARGS)

clean: ## remove build output
	@rm -rf .localcloud dist .aws-sam
