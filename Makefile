# helm-operator developer targets. `make help` lists them.
SHELL := /bin/bash
IMG ?= ghcr.io/ketches/helm-operator
VERSION ?= $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
KUBECTL ?= kubectl
NAMESPACE ?= ketches
VENV ?= .venv
CONFIG ?= config/helm-operator.yaml

.PHONY: help build release test bench demo run install uninstall deploy undeploy docker-build crds docs manifests lint fmt clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## Build the operator (debug)
	cargo build --locked

release: ## Build the operator (release)
	cargo build --release --locked

test: ## Install what the tests need (when missing) and run every test, lint included
	./scripts/test.sh

bench: ## Run the benchmarks; each prints its ratio to the anchor measured in the same run
	cargo bench --locked

demo: ## Try it without a cluster: API emulator, local chart repository and operator, until Ctrl-C (CARGO_PROFILE=release for a release build)
	./scripts/demo.sh

run: install ## Install the CRDs and run the operator against the current kubeconfig
	cargo run --locked -- run --config $(CONFIG) --log-format text

install: ## Install the CRDs into the current cluster
	$(KUBECTL) apply --server-side -f crds/

uninstall: ## Remove the CRDs (and with them every HelmRepository and HelmRelease)
	$(KUBECTL) delete --ignore-not-found -f crds/

deploy: install ## Deploy the operator with the plain manifests
	$(KUBECTL) apply -f deploy/manifests.yaml

undeploy: ## Remove the operator deployed with the plain manifests
	$(KUBECTL) delete --ignore-not-found -f deploy/manifests.yaml

docker-build: ## Build the image: make docker-build IMG=registry/helm-operator VERSION=x.y.z
	docker build --build-arg HELM_OPERATOR_GIT_COMMIT=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown) -t $(IMG):$(VERSION) .

crds: ## Regenerate crds/ and the chart's copy from the Rust types
	cargo run --locked -q -- crds --output-dir crds
	cp crds/*.yaml charts/helm-operator/crds/

docs: ## Regenerate docs/api-reference.md from the CRD schemas
	cargo run --locked -q -- crds --format markdown > docs/api-reference.md

manifests: ## Regenerate deploy/manifests.yaml from the chart with real Helm
	./scripts/ensure-venv.sh $(VENV)
	$(VENV)/bin/python scripts/render-manifests.py --output deploy/manifests.yaml --namespace $(NAMESPACE)

lint: ## rustfmt and clippy, as CI runs them
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt: ## Format the code
	cargo fmt --all

clean: ## Remove build output
	cargo clean
