# portico's commands (DESIGN.md, "Commands"). meson and ninja do the building; this file
# only strings the steps together so that one command works on a fresh machine.
#
#   make run    install missing packages, build, run on conf/portico.conf (foreground)
#   make test   install missing packages, build, run every test; ends "N passed, N failed"
#   make fuzz   run each libFuzzer target for a bounded time (scripts/fuzz)
#   make bench  run the parser benchmark (bench/run-parser)
#   make clean  remove the build directories

BUILD := build
MESON_LOGS := $(BUILD)/meson-logs

.PHONY: all run test fuzz bench clean deps build

all: build

deps:
	@scripts/deps

# meson setup once, --reconfigure afterwards: a build dir from an older checkout picks up
# new options and subdirs without being wiped.
CONFIGURE_AND_BUILD = \
	if [ -f $(BUILD)/meson-private/coredata.dat ]; then \
		meson setup --reconfigure $(BUILD); \
	else \
		meson setup $(BUILD); \
	fi && ninja -C $(BUILD)

build: deps
	@$(CONFIGURE_AND_BUILD)

run: build
	exec $(BUILD)/portico -c conf/portico.conf

# meson's summary counts test programs; the closing line counts checks (scripts/
# test-summary), and a build that fails is a failure on that line too. The old log goes
# first, so a run that never starts cannot be summed from a previous one.
test: deps
	@rm -f $(MESON_LOGS)/testlog.json
	@($(CONFIGURE_AND_BUILD)) || { echo "make test: the build failed" >&2; \
		echo "0 passed, 1 failed"; exit 1; }
	@meson test -C $(BUILD) --print-errorlogs; status=$$?; \
		scripts/test-summary $(MESON_LOGS)/testlog.json || status=1; \
		exit $$status

fuzz: deps
	@if [ -x scripts/fuzz ]; then exec scripts/fuzz; fi; \
		echo "make fuzz: scripts/fuzz is not there yet" >&2; exit 1

bench: deps
	@if [ -x bench/run-parser ]; then exec bench/run-parser; fi; \
		echo "make bench: bench/run-parser is not there yet" >&2; exit 1

clean:
	rm -rf $(BUILD) build-fuzz build-bench
