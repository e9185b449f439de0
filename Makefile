# lightsout: offline forensics of Internet outages.
# `make help` lists the targets. Stages are file targets: a stage reruns only when its inputs
# (or the binary) changed.
.DELETE_ON_ERROR:
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO ?= cargo
# The build profile of `make demo` and of the stage targets (see Cargo.toml: `dev` builds
# fastest from scratch; `release` runs fastest, for benchmarks).
PROFILE ?= dev
PROFILE_DIR := $(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
BIN := $(TARGET_DIR)/$(PROFILE_DIR)/lightsout
SHARED ?= ../shared

# A case for the stage targets: make CASE=cases/kp-lab.toml report
CASE ?= cases/demo.toml
CASE_NAME = $(basename $(notdir $(CASE)))
OUT ?= out/$(CASE_NAME)

.PHONY: help build build-ballista demo test test-ballista lint lint-ballista fmt bench fuzz fuzz-ci damaged clean lake detect report

help: ## List the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## Build the lightsout binary (PROFILE=dev|release).
	$(CARGO) build --profile $(PROFILE) --bin lightsout

$(BIN): build

demo: build ## Run the whole pipeline on the bundled demo case (synthetic archives with known truth).
	rm -rf demo
	$(BIN) synth demo --out demo/data
	$(BIN) ingest --lake demo/lake demo/data/mrt
	$(BIN) detect demo/data/case.toml --lake demo/lake --out demo/out
	@echo
	$(BIN) report demo/data/case.toml --out demo/out
	@echo
	$(BIN) eval --truth demo/data/truth.json --windows demo/out/windows.csv --slack 300
	@echo
	@echo "demo: the report is demo/out/report.html (and report.md, event-*.svg, summary.csv); tables in demo/out"

test: ## Run every test (unit, integration, golden, property, the cluster test); uses ../shared when present.
	$(CARGO) test --workspace --profile $(PROFILE) --features ballista --no-fail-fast

build-ballista: ## Build lightsout with the `ballista` feature (detect --engine ballista://, lightsout cluster).
	$(CARGO) build --profile $(PROFILE) --features ballista --bin lightsout

test-ballista: ## Only the cluster test: a Ballista scheduler and two executors on loopback, outputs compared with a local run.
	$(CARGO) test --profile $(PROFILE) --features ballista --test ballista

lint-ballista: ## clippy -D warnings with the `ballista` feature.
	$(CARGO) clippy --workspace --all-targets --features ballista -- -D warnings

lint: ## cargo fmt --check and clippy -D warnings.
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code.
	$(CARGO) fmt --all

lake: $(OUT)/lake.stamp ## Ingest the case's inputs: make CASE=cases/kp-lab.toml lake

$(OUT)/lake.stamp: $(CASE) | build
	mkdir -p $(OUT)
	$(BIN) ingest --lake $(OUT)/lake --case $(CASE) || [ $$? -eq 3 ]
	touch $@

detect: $(OUT)/windows.csv ## Detect windows for the case: make CASE=cases/kp-lab.toml detect

$(OUT)/windows.csv: $(CASE) $(OUT)/lake.stamp $(wildcard queries/*.sql) | build
	$(BIN) detect $(CASE) --lake $(OUT)/lake --out $(OUT)

report: $(OUT)/report.html ## Write the case's report: make CASE=cases/kp-lab.toml report

$(OUT)/report.html: $(CASE) $(OUT)/windows.csv | build
	$(BIN) report $(CASE) --out $(OUT)
	@echo "report: $@"

bench: ## Ingest and detection against bzip2 -dc, bgpdump and bgpkit on the MRT bench corpus (bench/results.md).
	bench/run.sh

FUZZ_SECONDS ?= 600
fuzz: ## Fuzz every reader FUZZ_SECONDS (600) each, one per core at a time (make fuzz FUZZ_TARGETS="mrt warts").
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-ci: ## The short fuzz run of CI: every target for 20 s on its seeds and regressions.
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	fuzz/run.sh 20

damaged: ## Rewrite the damaged-archive corpus (fixtures/damaged/) from the good fixtures.
	python3 fixtures/damaged/make.py

clean: ## Remove the demo and case outputs (not the build).
	rm -rf demo out
