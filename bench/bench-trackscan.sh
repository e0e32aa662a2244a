#!/bin/sh
# The whole scanner agent without a radio: bench-adv writes a btsnoop
# capture of 1,000,000 advertisements (the mix of bench-adv), then
# `trackscan --replay FILE --print` is timed on it (file reading, parsing,
# batching and the JSON lines together). The capture goes to a temporary
# directory that is removed on exit.
#
# usage: bench/bench-trackscan.sh [BUILD_DIR]     (default: build)
#
# Output: "name value unit" lines; lines starting with '#' are context.
set -eu

build=${1:-build}
gen=$build/bench/bench-adv
scan=$build/scanners/trackscan
n=1000000

if [ ! -x "$scan" ]; then
	echo "# bench-trackscan: skipped: $scan not built (no libbluetooth)"
	exit 0
fi
if [ ! -x "$gen" ]; then
	echo "bench-trackscan: $gen not found (build first: ninja -C $build)" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-trackscan.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

"$gen" --write-btsnoop "$dir/capture.btsnoop" "$n"

now() {
	t=$(date +%s%N)
	case $t in
	*[!0-9]*) date +%s000000000 ;;
	*) echo "$t" ;;
	esac
}

start=$(now)
"$scan" --replay "$dir/capture.btsnoop" --print --quiet >"$dir/out.jsonl"
end=$(now)
lines=$(wc -l <"$dir/out.jsonl")

echo "# bench-trackscan: trackscan --replay --print on $n advertisements" \
	"($(wc -c <"$dir/capture.btsnoop") bytes), $lines reports written"
awk -v ns="$((end - start))" -v n="$n" 'BEGIN {
	s = ns / 1e9
	printf "%-28s %-14.3f %s\n", "trackscan_replay_wall_s", s, "s"
	printf "%-28s %-14.0f %s\n", "trackscan_adv_per_s", n / s, "advertisements/s"
}'
