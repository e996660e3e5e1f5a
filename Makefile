# The verbs a newcomer needs: make run | test | bench | lint. Each builds .venv first when it is
# missing or older than the pinned requirements (needs only python3.11 on the PATH).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: run test bench bench-quality bench-refine bench-stacked-classes bench-stacked-classifiers bench-run-time bench-speed lint format lock clean

$(STAMP): requirements.txt setup.cfg pyproject.toml
	@echo "== installing pinned requirements into $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m pipeline.run --config=configs/grid25.py --workdir=runs/grid25 $(ARGS)

# pytest exits 5 when it collects nothing (e.g. PYTEST_ARGS=-k that matches no test): report, not fail.
# Two workers (pytest-xdist): much of a GAN test is single-threaded tracing, so 2 cores halve the time.
test: $(STAMP)
	@$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

# The sample-quality sweep (hours on 2 cores; resumable: finished runs are skipped). ARGS=--quick: minutes.
bench-quality: $(STAMP)
	$(BIN)/python -m bench.quality $(ARGS)

# latent refinement's steps x step size on bench-quality's trained 2D runs (refine_scan.ROWS, seeds 0-4)
bench-refine: $(STAMP)
	$(BIN)/python -m bench.refine_scan $(ARGS)
	$(BIN)/python -m bench.quality --report_only

# which digits the stacked-digits runs make too often or too rarely (bench-quality's trained runs)
bench-stacked-classes: $(STAMP)
	$(BIN)/python -m bench.stacked_classes $(ARGS)
	$(BIN)/python -m bench.quality --report_only

# the stacked-digits runs' KL read by the classifiers of eval.classifier_seed 0-4 and their ensemble
bench-stacked-classifiers: $(STAMP)
	$(BIN)/python -m bench.stacked_classifiers $(ARGS)
	$(BIN)/python -m bench.quality --report_only

# make run's wall time, on otherwise idle cores (issue 8's goal: 5 min on 2 cores)
bench-run-time: $(STAMP)
	$(BIN)/python -m bench.run_time $(ARGS)
	$(BIN)/python -m bench.quality --report_only

bench-speed: $(STAMP)
	$(BIN)/python -m bench.kernels
	$(BIN)/python -m bench.speed $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every package CI and `make` install, pinned (pip freeze of a working .venv on Python 3.11).\n# Regenerate: make lock' > requirements.txt

clean:
	rm -rf $(VENV) runs .pytest_cache
