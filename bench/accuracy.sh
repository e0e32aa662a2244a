#!/bin/sh
# Accuracy of the single-epoch solve and the smoothed track on a recording
# in the CSV contract (DIR/scanners.csv, reports.csv, truth.csv), with the
# given model, then with a model that track-calibrate fits on one half of
# the reference points and scored on the other half (and the other way).
#   bench/accuracy.sh BUILD DIR TX_POWER PATH_LOSS
set -eu
build=$1 dir=$2 tx=$3 n=$4
tools=$build/libtrack/tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

replay() { "$tools/track-replay" --reports "$dir/reports.csv" "$@"; }

replay --scanners "$dir/scanners.csv" --tx-power "$tx" --path-loss "$n" \
	--single-epoch > "$tmp/single.csv"
replay --scanners "$dir/scanners.csv" --tx-power "$tx" --path-loss "$n" \
	> "$tmp/smoothed.csv"
echo "model given: --tx-power $tx --path-loss $n"
"$tools/track-score" --truth "$dir/truth.csv" \
	"single-epoch=$tmp/single.csv" "smoothed=$tmp/smoothed.csv"

# Halves by reference point (distinct x,y), alternating in sorted order, so
# no place is both fitted and scored.
awk -F, -v out="$tmp" 'NR == 1 { h = $0; print h > out "/truth-a.csv";
		print h > out "/truth-b.csv"; next }
	{ k = $3 "," $4; if (!(k in half)) half[k] = (n++ % 2);
	  print > (out (half[k] ? "/truth-b.csv" : "/truth-a.csv")) }' \
	"$dir/truth.csv"
for fit in a b; do
	score=$([ $fit = a ] && echo b || echo a)
	"$tools/track-calibrate" --scanners "$dir/scanners.csv" \
		--reports "$dir/reports.csv" --truth "$tmp/truth-$fit.csv" \
		--write-scanners "$tmp/scanners-$fit.csv" > "$tmp/cal-$fit.txt"
	flags=$(grep -A1 '^track-replay flags' "$tmp/cal-$fit.txt" | tail -n 1)
	# shellcheck disable=SC2086
	replay --scanners "$tmp/scanners-$fit.csv" $flags > "$tmp/cal-$fit.csv"
	echo "calibrated on half $fit ($flags, per-scanner offsets), scored on half $score:"
	"$tools/track-score" --truth "$tmp/truth-$score.csv" \
		"smoothed=$tmp/cal-$fit.csv"
done
