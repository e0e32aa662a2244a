#!/bin/sh
# run.sh FUZZER SEEDS WORK SECONDS [DICT]
#
# Runs FUZZER for SECONDS over WORK/corpus, which starts as a copy of the
# seed corpus SEEDS and keeps what the fuzzer adds (FUZZ_FRESH=1: start
# again from the seeds alone). A crash, leak, timeout or UB report is
# written to WORK/ (crash-*, leak-*, timeout-*, oom-*) and fails the run.
# Prints one line of figures at the end.
set -eu

exe=$1 seeds=$2 work=$3 secs=$4 dict=${5:-}
name=$(basename "$exe")

[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work/corpus"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"

# -error_exitcode: libFuzzer's own default, 77, means "skipped" to meson,
# which would turn a crash into a pass.
set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-error_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/"
[ -n "$dict" ] && set -- "$@" -dict="$dict"

rc=0
"$exe" "$@" "$work/corpus" >"$work/log" 2>&1 || rc=$?

# "#1234<TAB>DONE   cov: 567 ft: 890 corp: 12/3456b ..." and the stats.
done_line=$(grep -a 'DONE \|INITED ' "$work/log" | tail -n 1 || true)
field() { echo "$done_line" | sed -n "s/.* $1: \([^ ]*\).*/\1/p"; }
figure() { sed -n "s/^stat::$1: *//p" "$work/log"; }
files=$(ls "$work/corpus" | wc -l)
bytes=$(cat "$work/corpus"/* | wc -c)
echo "$name: $(figure number_of_executed_units) runs in $secs s" \
	"($(figure average_exec_per_sec)/s), cov $(field cov), ft $(field ft)," \
	"corpus $files files ($((bytes / 1024)) KiB)"
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$work/log"
	echo "$name: FAILED (exit $rc); input saved under $work/" >&2
fi
exit "$rc"
