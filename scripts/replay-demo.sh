#!/bin/sh
# The offline pipeline on the demo hospital wing (floorplans/demo): tracksim
# walks its staff, patients and equipment for ten minutes, track-replay
# tracks them with the site file, and the errors against the simulated
# truth, the events and the busiest zones are printed.
set -eu
build=${1:-build}
dir=${2:-out/demo}
site=floorplans/demo/site.json
tools=$build/libtrack/tools
mkdir -p "$dir"

"$tools/track-site" check "$site"
echo "Simulating 10 minutes in the building..."
"$build/scanners/tracksim" --csv "$dir" --site "$site" --duration 600 \
	--seed 1 --quiet
echo "Tracking with track-replay..."
"$tools/track-replay" --site "$dir/site.json" --reports "$dir/reports.csv" \
	--single-epoch > "$dir/single.csv"
"$tools/track-replay" --site "$dir/site.json" --reports "$dir/reports.csv" \
	--events "$dir/events.csv" --zone-report "$dir/zones.csv" \
	> "$dir/positions.csv"
echo
echo "Errors against the simulated truth (metres):"
"$tools/track-score" --truth "$dir/truth.csv" \
	"single-epoch solve=$dir/single.csv" \
	"smoothed track=$dir/positions.csv"
echo
echo "Events:"
awk -F, 'NR > 1 { n[$2]++ } END { for (k in n) printf "  %-18s %d\n", k, n[k] }' \
	"$dir/events.csv" | sort
echo
echo "Busiest zones (mean and peak head count, visits, median stay):"
awk -F, 'NR > 1 { printf "%s,%s,%s,%s,%s\n", $8, $9, $4, $6, $1 }' \
	"$dir/zones.csv" | sort -t, -k1 -rn | head -n 8 |
	awk -F, '{ printf "  %-22s %5.2f %4d %5d %7.0f s\n", $5, $1, $2, $3, $4 }'
echo
echo "Files in $dir: site.json, reports.csv, truth.csv, positions.csv, events.csv, zones.csv"
