# Everything a fresh machine needs is set up by these targets; nothing is assumed installed by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export AWS_EC2_METADATA_DISABLED := true

.PHONY: install run demo test lint typecheck unit browser-deps clean policies routes package deploy bench first-manager messages

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Start moto (DynamoDB + streams + SES), create tables, serve the API, pump streams, fire schedules.
## Other ports: make run ARGS="--port 8100 --control-port 8101 --partner-port 8125" (0: any free port).
run: install
	$(PY) -m devstack run $(ARGS)

## Same as run, with a seeded demo company (tokens are printed).
demo: install
	$(PY) -m devstack run --demo $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

## pytest (pyproject) loads tests/support/aws_audit.py: every AWS call the functions make is checked against chalicelib/permissions.py.
test: install browser-deps lint typecheck
	$(PY) -m pytest -q

unit: install
	$(VENV)/bin/pytest -q tests/unit

## Benchmarks (not part of test): cold start, throughput, DynamoDB requests per route, badge job, cost.
## Writes bench/results/results.md (quoted in the README) and results.json; ~5 minutes.
bench: install
	$(PY) -m bench

## chalicelib/http/table.py (the light route table app.py registers) from the @route declarations (commit it).
routes: install
	$(PY) -m chalicelib.http.generate

## A company and its first manager, with a one-time sign-in link printed (sign-up closed: README "Sign-in").
## Locally (the default) against the running `make run`; STAGE=dev|prod BASE_URL=https://... for a deployed stage.
first-manager: install
	@test -n "$(COMPANY)" -a -n "$(NAME)" -a -n "$(EMAIL)" || { echo "usage: make first-manager COMPANY=... NAME=... EMAIL=... [TIMEZONE=...] [CURRENCY=...]"; exit 2; }
	$(PY) -m tools.first_manager --company "$(COMPANY)" --name "$(NAME)" --email "$(EMAIL)" \
	  --stage $(if $(filter command line environment,$(origin STAGE)),$(STAGE),local) \
	  $(if $(TIMEZONE),--timezone "$(TIMEZONE)") $(if $(CURRENCY),--currency "$(CURRENCY)") $(if $(BASE_URL),--base-url "$(BASE_URL)")

## Catalogs (README "Languages"): extract marked text to messages.pot, update every .po, compile the .mo files (commit all).
messages: install
	$(PY) -m tools.messages

STAGE ?= dev
## policies/*.json and .chalice/config.json's per-function entries, from chalicelib/permissions.py (commit them).
policies: install
	$(PY) -m deploy policies

## build/$(STAGE)/package: SAM template + deployment.zip for a deployed stage, offline (dummy region), cfn-linted.
package: install
	$(PY) -m deploy package --stage $(STAGE)

## Upload and deploy to a real AWS account with your own credentials (README "Deploy"; never run by tests).
deploy: package
	@test -n "$(BUCKET)" || { echo "BUCKET=<an S3 bucket for the code> is required"; exit 2; }
	@test -n "$(PUBLIC_BASE_URL)" || { echo "PUBLIC_BASE_URL=https://... is required (README Deploy)"; exit 2; }
	$(PY) -m deploy deploy --stage $(STAGE) --bucket $(BUCKET) $(if $(STACK),--stack $(STACK)) \
	  PublicBaseUrl=$(PUBLIC_BASE_URL) $(PARAMETERS)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
