#!/bin/sh
# The offline pipeline on a building the project simulates itself:
# tracksim writes a scenario with ground truth, track-replay tracks it, and
# track-score prints the errors against the truth.
set -eu
build=${1:-build}
dir=${2:-out/demo}
mkdir -p "$dir"

echo "Simulating 2 floors of 40 x 20 m, 30 scanners, 40 tags for 5 minutes..."
"$build/scanners/tracksim" --csv "$dir" --floors 2 --tags 40 \
	--duration 300 --seed 1
echo
echo "Tracking with track-replay..."
"$build/libtrack/tools/track-replay" --site "$dir/site.json" \
	--reports "$dir/reports.csv" --single-epoch > "$dir/single.csv"
"$build/libtrack/tools/track-replay" --site "$dir/site.json" \
	--reports "$dir/reports.csv" > "$dir/positions.csv"
echo
echo "Errors against the simulated truth (metres):"
"$build/libtrack/tools/track-score" --truth "$dir/truth.csv" \
	"single-epoch solve=$dir/single.csv" \
	"smoothed track=$dir/positions.csv"
echo
echo "Files: $dir/{site.json,scanners.csv,reports.csv,truth.csv,positions.csv}"
