# Two commands on a fresh machine: `make run` (set up, open briefer) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CORE := briefer/models.py briefer/config.py briefer/store briefer/fetch.py briefer/parse.py \
        briefer/sanitize.py briefer/match.py briefer/watchlist.py briefer/baseline.py \
        briefer/poller.py briefer/timing.py briefer/opml.py briefer/feeds_file.py \
        briefer/scheduler.py briefer/notify.py briefer/lock.py briefer/daemon.py \
        briefer/digest.py briefer/digest_render.py briefer/rematch.py briefer/termstats.py \
        briefer/workers.py briefer/prune.py

.PHONY: run demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/briefer

demo: $(STAMP)
	$(BIN)/briefer demo

lint: $(STAMP)
	$(BIN)/ruff check briefer tests bench
	$(BIN)/ruff format --check briefer tests bench
	$(BIN)/mypy $(CORE)

test: $(STAMP) lint
	bash scripts/system-deps.sh
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
