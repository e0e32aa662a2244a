#!/bin/sh
# The offline pipeline on the demo hospital wing (floorplans/demo): tracksim
# walks its staff, patients and equipment for ten minutes, track-replay
# tracks them with the site file, and the errors against the simulated
# truth, the room-level and stillness figures against their targets, the
# events and the busiest zones are printed.
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
	--events "$dir/events.csv" --zone-report "$dir/zones.csv" --moving \
	> "$dir/positions-moving.csv"
# positions.csv keeps the contract's columns; the moving flag is for
# track-score.
cut -d, -f1-6 "$dir/positions-moving.csv" > "$dir/positions.csv"
echo
echo "Errors against the simulated truth (metres), then room level and stillness:"
"$tools/track-score" --truth "$dir/truth.csv" --site "$dir/site.json" \
	"single-epoch solve=$dir/single.csv" \
	"smoothed track=$dir/positions-moving.csv" | tee "$dir/score.txt"
echo
# Each figure beside its target; a miss is printed, never fatal. The
# second table's columns start after the 24-character label.
echo "The smoothed track against the targets:"
awk '/^positions/ { figs = / room / }
	figs && index($0, "smoothed track ") == 1 {
		split(substr($0, 25), f, " ")
		verdict("room right", f[1], ">=", 85, ">= 85%",
			"of the positions whose truth is in a zone")
		verdict("path length", f[3] "x", "<=", 1.5, "<= 1.5x",
			"of the true one, median over tags; " f[5] " m against " f[6] " m in all")
		verdict("utilization", f[9] " pt", "<=", 5, "<= 5 pt",
			"median |engine - truth| share moving over " f[10] " assets")
		printf "  %-12s precision %s, recall %s (truth moving: over 0.2 m/s)\n",
			"moving flag", f[7], f[8]
	}
	function verdict(name, shown, op, target, goal, note,    x, ok) {
		x = shown; sub(/[^0-9.]+$/, "", x)
		if (x == "") ok = "n/a"
		else if (op == ">=") ok = x + 0 >= target ? "ok" : "MISS"
		else ok = x + 0 <= target ? "ok" : "MISS"
		printf "  %-12s %9s  target %-8s %-4s  %s\n", name, shown, goal, ok, note
	}' "$dir/score.txt"
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
echo "Files in $dir: site.json, reports.csv, truth.csv, positions.csv (positions-moving.csv:"
echo "  with the moving column), single.csv, events.csv, zones.csv, score.txt"
