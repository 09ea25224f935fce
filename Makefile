# Two commands do all set-up: `make demo` and `make test`. Each creates or
# updates the local virtual environment (.venv) from PyPI first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint eval bench bench-studio fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@# First what a new user hears: no cast file, the program finds the characters itself.
	$(BIN)/audiobook build seeds/the-night-ferry.txt --out output
	$(BIN)/audiobook build seeds/the-lighthouse-keepers.txt --voices voices/the-lighthouse-keepers.yaml --out output
	$(BIN)/audiobook build seeds/a-quiet-morning.txt --voices voices/a-quiet-morning.yaml --out output
	@echo "Your audiobooks are in output/: open the .m3u8 playlists in any media player."

test: $(STAMP)
	$(BIN)/ruff check audiobook tests
	$(BIN)/python -m pytest -q -rs  # -rs: say why a test was skipped

# Speaker attribution on both corpora (PDNC novels, LitBank openings), with and without the
# cast; each run's closing lines.
CORPUS ?= ../shared/corpus
SCORER ?= ../shared/tools/score_attribution.py
EVAL_TAIL ?= 3
eval: $(STAMP)
	@# Bytecode first: each of the scorer's runs starts faster where PYTHONDONTWRITEBYTECODE is set.
	@$(BIN)/python -m compileall -q audiobook
	@for set in pdnc litbank; do for cast in --cast-given ""; do \
	  echo "== $$set $${cast:-(no cast)}"; \
	  PATH=$(abspath $(BIN)):$$PATH python3 $(SCORER) $$cast $(CORPUS)/$$set/* | tail -n $(EVAL_TAIL); \
	done; done

# Loaders (txt, md, html, epub) and the segmenter over generated inputs: no uncaught exception.
FUZZ_EXAMPLES ?= 2500
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python fuzz/fuzz_loaders.py

# Full build vs the engine alone on a novel (>= 50,000 words), rebuild times, peak memory
# for a 1-hour and a 10-hour book. Long (tens of minutes): CI does not run it.
BENCH_TEXT ?=
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python tools/bench.py $(if $(BENCH_TEXT),--text $(BENCH_TEXT)) $(BENCH_ARGS)

# The studio on a 100,000-word corpus novel, timed in headless Chromium (needs
# `apt-get install chromium`). Prints figures; CI does not run it.
STUDIO_TEXT ?= $(CORPUS)/pdnc/AnneOfGreenGables/novel_text.txt
bench-studio: $(STAMP)
	$(BIN)/python tools/bench_studio.py --text $(STUDIO_TEXT)

clean:
	rm -rf output/*/ .pytest_cache
