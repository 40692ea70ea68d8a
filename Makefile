# One command each (see README):  make benchmark  |  make test
# Both create .venv and install the project with the pinned versions in constraints.txt
# (torch==2.13.0, CPU build: an unpinned torch would pull several GB of CUDA packages).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MODEL ?= mdn
CONFIG ?= small

.PHONY: setup setup-fidelity benchmark forecast-sweep test test-slow test-all rescore site clean
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,test]'
	touch $@

# Optional: GPAW (PBE) for the sheets fidelity subset (mdbench/systems/sheets/cards/sheets.md).  Builds GPAW against the
# system's libxc and OpenBLAS (apt, as root); CC=g++ because GPAW >= 26 compiles its C sources as C++.
setup-fidelity: setup
	apt-get update && apt-get install -y libxc-dev libopenblas-dev
	CC=g++ $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[fidelity]'

# The main job: the four-well benchmark on its default config (generates the data if needed),
# prints the leaderboard with the static and physics references and writes results, figures and
# that leaderboard under runs/ (nothing tracked changes; `mdbench run ... --record` records a run
# into the committed board in the system's package, mdbench/systems/<system>/leaderboards/).
benchmark: setup
	$(BIN)/mdbench run four-well/propagator --model $(MODEL) --config $(CONFIG)

# The forecasting sweep (every model × every history × every lead) on both MD datasets.
# Generating adk/small takes long on 2 CPU cores (see mdbench/systems/md_forecast/cards/adk.md).
forecast-sweep: setup
	$(BIN)/mdbench run ala100-smd/forecast --model all --config $(CONFIG)
	$(BIN)/mdbench run adk/forecast --model all --config $(CONFIG)

# The layer contracts (import-linter, see pyproject.toml) first, then the default test tier.
test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

test-slow: setup
	$(BIN)/python -m pytest -m slow

test-all: setup
	$(BIN)/python -m pytest -m "slow or not slow"

# Re-score every committed leaderboard entry from its stored predictions (generates the datasets
# it needs first: the ADK and SMD configs take long on 2 cores, see their data cards).
rescore: setup
	$(BIN)/mdbench leaderboard --rescore --generate

# The static website (boards, data cards, generation records, figures) from the committed files into
# site/; open site/index.html (works from file://, offline). Its browser test: tests/test_site.py.
site: setup
	$(BIN)/mdbench site build --out site

clean:
	rm -rf $(VENV) runs build .pytest_cache .benchmarks
