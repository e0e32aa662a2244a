# The user's entry points. Everything else is meson's job.
#   make test    install what is missing, build, run every suite (plus an
#                ASan+UBSan build of them all)
#   make demo    trackd on the demo hospital, fed live by tracksim
#   make replay-demo  the offline pipeline: simulate, replay, print errors
#   make bench   run the benchmarks
#   make fuzz    run every fuzzer for FUZZ_SECONDS (clang, libFuzzer)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS = site espresense csv ingest query adv bridge
WERROR ?= false
DEMO_DIR ?= out/demo

MESON_OPTS = -Dwerror=$(WERROR) -Dbuildtype=debugoptimized

.PHONY: all deps build test test-unit test-asan test-fuzz fuzz demo \
	replay-demo bench clean

all: build

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) $(MESON_OPTS) -Db_sanitize=address,undefined \
		-Db_lundef=false

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

test-unit: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

test-asan: deps $(ASAN_BUILD)/build.ninja
	meson compile -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2

# The fuzzers need clang: their own build, instrumented for libFuzzer.
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) $(MESON_OPTS) -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false

# Each fuzzer briefly (fuzz_seconds, 10 s), from its seeds alone.
test-fuzz: deps $(FUZZ_BUILD)/build.ninja
	meson compile -C $(FUZZ_BUILD)
	meson test -C $(FUZZ_BUILD) --print-errorlogs --num-processes 2

# Each fuzzer for FUZZ_SECONDS over a copy of its corpus that keeps
# growing in $(FUZZ_BUILD)/fuzz-out/NAME/corpus; findings land next to it.
fuzz: deps $(FUZZ_BUILD)/build.ninja
	meson compile -C $(FUZZ_BUILD)
	@rc=0; for f in $(FUZZERS); do \
		sh fuzz/run.sh $(FUZZ_BUILD)/fuzz/fuzz-$$f fuzz/corpus/$$f \
			$(FUZZ_BUILD)/fuzz-out/$$f $(FUZZ_SECONDS) \
			fuzz/$$f.dict || rc=1; \
	done; exit $$rc

# Every suite always runs; the totals line counts every test once.
test: deps
	@rc=0; $(MAKE) --no-print-directory test-unit || rc=1; \
	$(MAKE) --no-print-directory test-asan || rc=1; \
	$(MAKE) --no-print-directory test-fuzz || rc=1; \
	python3 scripts/test-totals.py $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD); \
	exit $$rc

demo: build
	@sh scripts/demo.sh $(BUILD)

replay-demo: build
	@sh scripts/replay-demo.sh $(BUILD) $(DEMO_DIR)

bench: build
	meson test -C $(BUILD) --benchmark --verbose
	sh bench/bench-replay.sh $(BUILD)
	sh bench/bench-trackd.sh $(BUILD)
	sh bench/bench-trackscan.sh $(BUILD)
	TRACKD=$(BUILD)/server/trackd TRACKSIM=$(BUILD)/scanners/tracksim \
		node --experimental-websocket --no-warnings bench/bench-failover.mjs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) out
