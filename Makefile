# replui — see README.md. `make demo` and `make test` do everything on a fresh Debian machine.
PY        ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
LAB_DIR   ?= .lab
APT_PKGS  := mariadb-server mariadb-client openssh-server openssh-client iproute2 zstd gzip procps tmux
# commands those packages bring (and a server: mariadbd or mysqld); any one missing installs them all
APT_CMDS  := sshd ssh scp ssh-keygen ip zstd gzip ps tmux

.PHONY: help install deps system-deps demo test test-fast check lab-up lab-down bench snapshots screenshots clean

help:
	@echo "make demo   - install what is needed, start the local lab, open the TUI on it"
	@echo "make test   - run the whole test suite (real MariaDB servers included)"
	@echo "make check  - ruff format --check, ruff check, mypy --strict"
	@echo "make bench  - benchmarks (not tests): rebuild speed, idle TUI CPU, key-to-repaint"
	@echo "make lab-down - stop the demo lab"

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Debian packages for the lab and the SSH tier; skipped when already present.
system-deps:
	@missing=; command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || missing=1; \
	for c in $(APT_CMDS); do PATH="$$PATH:/usr/sbin:/sbin" command -v $$c >/dev/null 2>&1 || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS); \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS); fi; \
	fi

deps: system-deps install

demo: deps
	$(BIN)/replui lab up --dir $(LAB_DIR)
	$(BIN)/replui --config $(LAB_DIR)/replui.toml

lab-up: deps
	$(BIN)/replui lab up --dir $(LAB_DIR)

lab-down:
	$(BIN)/replui lab down --dir $(LAB_DIR)

test: deps
	$(BIN)/python -m pytest -q -ra

# The guard rails: formatting, lint (line length 110, imports, bugbear) and strict types.
check: install
	$(BIN)/ruff format --check replui tests bench docs
	$(BIN)/ruff check replui tests bench docs
	$(BIN)/mypy

test-fast: install
	$(BIN)/python -m pytest -q -m "not lab"

snapshots: install
	$(BIN)/python -m pytest -q tests/test_tui_snapshots.py --snapshot-update

bench: deps
	$(BIN)/python -m bench
	$(BIN)/python -m bench.poll
	$(BIN)/python -m bench.tui
	$(BIN)/python -m bench.ssh
	$(BIN)/python -m bench.ssh_tui

# The README's screenshots, from the real TUI on a throwaway lab at 80x24 and 160x45.
screenshots: deps
	$(BIN)/python docs/screenshots.py

clean:
	-$(BIN)/replui lab down --dir $(LAB_DIR) 2>/dev/null
	rm -rf $(VENV) *.egg-info .pytest_cache
