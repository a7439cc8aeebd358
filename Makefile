# devenvs: every target does its own set-up, so a fresh machine needs only Go and root for apt.
SHELL := /usr/bin/env bash
GO ?= go
export GOFLAGS ?= -mod=readonly
# Two modules, one workspace (go.work): the product (./...) and hack/ (tests, benchmarks and
# tools that drive it, with the dependencies only they need: chromedp, kind, go-containerregistry).
PKGS ?= ./... ./hack/...
TEST_TIMEOUT ?= 30m
# The product's packages run under the race detector (their tests send concurrent requests);
# hack/'s drive real clusters, browsers and ssh, where -race only adds minutes.
RACE_PKGS ?= ./...
PLAIN_PKGS ?= $(shell $(GO) list ./hack/... | grep -v '/hack/e2e$$')
# The browser tests run after the rest, alone: Chromium cuts its loads whenever the machine
# gains or loses a network interface, which every pod started or stopped on the real node does.
BROWSER_PKGS ?= ./hack/e2e

.PHONY: dev test test-unit test-web lint packages tools cluster cluster-down redis redis-down rules-check fuzz bench images

## dev: run the whole product locally (local cluster unless KUBECONFIG is set, Redis or in-memory log, every function, the UI)
dev:
	hack/dev.sh

## test: build the pinned tools, start the local cluster and Redis, then run every check and test against them
test: packages lint test-web tools cluster redis
	hack/rules/check.sh
	CI=$${CI:-true} CHART_MAIN_GO_TESTS=0 hack/chart/check.sh
	CI=$${CI:-true} $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(RACE_PKGS)
	CI=$${CI:-true} $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(PLAIN_PKGS)
	CI=$${CI:-true} $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(BROWSER_PKGS)

## test-unit: pure tests only; integration tests skip (outside CI) when the cluster or Redis is down
test-unit: test-web
	$(GO) test -count=1 -short $(PKGS)

## test-web: unit tests of the UI's modules with Node's own runner (node --test; no npm packages)
test-web:
	node --test hack/webunit/

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet $(PKGS)
	hack/shellcheck.sh
	hack/govulncheck.sh

packages:
	hack/packages.sh test

tools:
	hack/build-tools.sh kubernetes etcd kwok metrics-server helm func kube-state-metrics

cluster:
	hack/cluster.sh up

cluster-down:
	hack/cluster.sh down

redis:
	hack/redis.sh up >/dev/null

redis-down:
	hack/redis.sh down

rules-check:
	hack/rules/check.sh

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./shared/resources/ -run '^$$' -fuzz FuzzDecodeAndValidate -fuzztime $(FUZZTIME)
	$(GO) test ./functions/listenvs/ -run '^$$' -fuzz FuzzParsePage -fuzztime $(FUZZTIME)

## bench: cold start, createenv, listenvs at scale, the alert burst, the event log and create-to-Running
## against the local cluster and Redis, each beside a baseline from the same run (docs/PERFORMANCE.md)
bench: cluster redis
	$(GO) run ./hack/bench $(BENCHFLAGS)

## images: every function and the SSH gateway as a multi-arch OCI image layout under IMAGES_DIR (no Docker, no registry)
IMAGES_DIR ?= _output/images
images:
	$(GO) run ./hack/images -out $(IMAGES_DIR)
