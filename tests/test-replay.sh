#!/bin/sh
# track-replay, tracksim and track-calibrate as a user runs them (TAP): a
# scenario tracks with a sane error, output is deterministic, cutting the
# input leaves every earlier line unchanged, and a malformed row names its
# file and line; the same for a scenario simulated on the demo hospital's
# site file, whose scanners' radio offsets the engine learns; track-calibrate
# recovers the simulated model and prints flags that give track-replay the
# geometry it fitted with.
#   tests/test-replay.sh TRACKSIM TRACK_REPLAY TRACK_SCORE TRACK_CALIBRATE
set -u
sim=$1 replay=$2 score=$3 calibrate=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
echo "TAP version 13"
echo "1..18"

"$sim" --csv "$tmp/s" --tags 8 --duration 60 --seed 3 --quiet
check $? "tracksim writes a scenario"

"$replay" --scanners "$tmp/s/scanners.csv" --reports "$tmp/s/reports.csv" \
	> "$tmp/a.csv" 2> "$tmp/err"
rc=$?
"$score" --truth "$tmp/s/truth.csv" "track=$tmp/a.csv" > "$tmp/score"
median=$(awk '$1 == "track" { print $4 }' "$tmp/score")
awk -v m="$median" 'BEGIN { exit !(m > 0 && m < 5) }'
check $((rc + $?)) "the smoothed track has a median error under 5 m (got $median)"

"$replay" --scanners "$tmp/s/scanners.csv" --reports "$tmp/s/reports.csv" \
	> "$tmp/b.csv"
cmp -s "$tmp/a.csv" "$tmp/b.csv"
check $? "the same input gives the same output, byte for byte"

# Cut the reports at t = 30 s: every line stamped before 30 s is unchanged.
awk -F, 'NR == 1 || $1 <= 30' "$tmp/s/reports.csv" > "$tmp/cut.csv"
"$replay" --scanners "$tmp/s/scanners.csv" --reports "$tmp/cut.csv" \
	> "$tmp/c.csv"
awk -F, 'NR == 1 || $1 < 30' "$tmp/a.csv" > "$tmp/a30"
awk -F, 'NR == 1 || $1 < 30' "$tmp/c.csv" > "$tmp/c30"
cmp -s "$tmp/a30" "$tmp/c30" && [ "$(wc -l < "$tmp/a30")" -gt 100 ]
check $? "cutting the input leaves every earlier output line unchanged"

{ head -n 50 "$tmp/s/reports.csv"; echo "12.5,S001,T00001,loud"; } \
	> "$tmp/bad.csv"
"$replay" --scanners "$tmp/s/scanners.csv" --reports "$tmp/bad.csv" \
	> /dev/null 2> "$tmp/err"
rc=$?
grep -q "bad.csv:51: column 'rssi': expected a number, got 'loud'" "$tmp/err"
check $(( (rc == 1 ? 0 : 1) + $? )) "a malformed row stops with file, line and column"

{ head -n 50 "$tmp/s/reports.csv"; echo "12.5,NOPE,T00001,-70"; } \
	> "$tmp/unk.csv"
"$replay" --scanners "$tmp/s/scanners.csv" --reports "$tmp/unk.csv" \
	> /dev/null 2> "$tmp/err"
rc=$?
grep -q "1 unknown scanner" "$tmp/err"
check $((rc + $?)) "an unknown scanner is skipped, named and counted"
"$replay" --site "$tmp/s/site.json" --reports "$tmp/s/reports.csv" \
	> "$tmp/site.csv"
rc=$?
"$score" --truth "$tmp/s/truth.csv" "track=$tmp/site.csv" > "$tmp/score"
median=$(awk '$1 == "track" { print $4 }' "$tmp/score")
awk -v m="$median" 'BEGIN { exit !(m > 0 && m < 5) }'
check $((rc + $?)) "--site tracks the same scenario from its site file (median $median m)"

printf '{"site": "x", "name": "x", "floors": []}' > "$tmp/bad.json"
"$replay" --site "$tmp/bad.json" --reports "$tmp/s/reports.csv" \
	> /dev/null 2> "$tmp/err"
rc=$?
grep -q "bad.json: floors" "$tmp/err"
check $(( (rc == 1 ? 0 : 1) + $? )) "a bad site file stops with the file and the JSON path"

# tracksim --site: the demo hospital (2 floors, 82 tags), tracked through
# the site.json it copies next to the scenario.
demo="$(dirname "$0")/../floorplans/demo/site.json"
"$sim" --csv "$tmp/d" --site "$demo" --duration 120 --seed 5 \
	--button-every 30 --quiet
rc=$?
cmp -s "$demo" "$tmp/d/site.json" &&
	[ "$(wc -l < "$tmp/d/truth.csv")" -eq $((82 * 121 + 1)) ]
check $((rc + $?)) "tracksim --site simulates every tag of the site and copies its file"

"$replay" --site "$tmp/d/site.json" --reports "$tmp/d/reports.csv" \
	> "$tmp/demo.csv"
rc=$?
"$score" --truth "$tmp/d/truth.csv" "track=$tmp/demo.csv" > "$tmp/score"
median=$(awk '$1 == "track" { print $4 }' "$tmp/score")
awk -v m="$median" 'BEGIN { exit !(m > 0 && m < 5) }'
check $((rc + $?)) "the demo site tracks with a median error under 5 m (got $median)"

# The offsets the engine learned follow the ones tracksim gave each
# scanner's radio (scenario.json's scanner_bias_db, mean removed: a shift
# common to all is the tags' power).
"$replay" --site "$tmp/d/site.json" --reports "$tmp/d/reports.csv" \
	--offsets "$tmp/off.csv" > /dev/null
rc=$?
awk -F'[":, ]+' 'FNR == NR { if (/^  "ap-/) { t[$2] = $3; tm += $3; nt++ }
		next }
	FNR > 1 { split($0, f, ","); o[f[1]] = f[2]; no++ }
	END {
		tm /= nt
		for (k in o) { x = t[k] - tm; y = o[k]; sxy += x * y;
			sxx += x * x; syy += y * y }
		c = sxy / sqrt(sxx * syy + 1e-9)
		printf "# %d scanners, correlation %.2f\n", no, c
		exit !(no == 44 && nt == 44 && c > 0.6)
	}' "$tmp/d/scenario.json" "$tmp/off.csv"
check $((rc + $?)) "the learned scanner offsets follow the simulated radios'"

"$replay" --site "$tmp/d/site.json" --reports "$tmp/d/reports.csv" \
	--scanner-prior 0 --offsets "$tmp/off0.csv" > /dev/null &&
	awk -F, 'NR > 1 && ($2 != "0.00" || $3 != "0.00") { bad++ }
		END { exit !(NR == 45 && !bad) }' "$tmp/off0.csv" &&
	! "$replay" --site "$tmp/d/site.json" --reports "$tmp/d/reports.csv" \
		--scanner-prior -1 > /dev/null 2> "$tmp/err" &&
	grep -q -- "--scanner-prior: expected a number in \[0, 40\], got '-1'" \
		"$tmp/err"
check $? "--scanner-prior 0 learns nothing, and a negative prior is refused"

"$sim" --csv "$tmp/d2" --site "$demo" --duration 120 --seed 5 \
	--button-every 30 --quiet &&
	cmp -s "$tmp/d/reports.csv" "$tmp/d2/reports.csv" &&
	cmp -s "$tmp/d/truth.csv" "$tmp/d2/truth.csv"
check $? "the same seed gives the same scenario on a site"

# Presses at 30, 60, 90 and 120 s, each by a person listed in the site.
awk -F, 'NR > 1 { n++; if ($2 !~ /^(badge|wrist)-/) bad++ }
	END { exit !(n == 4 && !bad) }' "$tmp/d/buttons.csv"
check $? "--button-every writes the presses to buttons.csv"

sed 's/"width": 48.0/"width": -1/' "$demo" > "$tmp/bad-site.json"
"$sim" --csv "$tmp/e" --site "$tmp/bad-site.json" --quiet 2> "$tmp/err"
rc=$?
grep -q "^tracksim: .*bad-site.json: floors\[0\].width: " "$tmp/err" &&
	[ ! -e "$tmp/e" ]
check $(( (rc == 1 ? 0 : 1) + $? )) "tracksim stops on a bad site file with its JSON path"

# The scenario of the first checks: n 2.0, tags 1 m above the floor.
"$calibrate" --scanners "$tmp/s/scanners.csv" --reports "$tmp/s/reports.csv" \
	--truth "$tmp/s/truth.csv" > "$tmp/cal" 2> "$tmp/err"
rc=$?
flags=$(grep -A1 '^track-replay flags' "$tmp/cal" | tail -n 1)
echo "$flags" | awk '{ exit !($1 == "--tx-power" && $3 == "--path-loss" &&
	$4 > 1.8 && $4 < 2.2 && $5 == "--tag-height" && $6 == "1.00" && NF == 6) }'
check $((rc + $?)) "track-calibrate recovers n and the tags' height ($flags)"

# shellcheck disable=SC2086
"$replay" --scanners "$tmp/s/scanners.csv" --reports "$tmp/s/reports.csv" \
	$flags > "$tmp/cal.csv"
rc=$?
"$score" --truth "$tmp/s/truth.csv" "track=$tmp/cal.csv" > "$tmp/score"
median=$(awk '$1 == "track" { print $4 }' "$tmp/score")
awk -v m="$median" 'BEGIN { exit !(m > 0 && m < 5) }'
check $((rc + $?)) "track-replay takes the printed flags (median $median m)"

# Tags carried at 0.3 m: the flags say so, so replay computes the same
# distances the fit did.
awk -F, -v OFS=, 'NR > 1 { $5 = 0.3 } { print }' "$tmp/s/truth.csv" \
	> "$tmp/low.csv"
"$calibrate" --scanners "$tmp/s/scanners.csv" --reports "$tmp/s/reports.csv" \
	--truth "$tmp/low.csv" --floor-height 3 > "$tmp/cal" 2> "$tmp/err"
rc=$?
flags=$(grep -A1 '^track-replay flags' "$tmp/cal" | tail -n 1)
echo "$flags" | grep -q -- '--tag-height 0.30 --floor-height 3$' &&
	grep -q '^tag       0.30 m above its floor (mean of the truth' "$tmp/cal"
check $((rc + $?)) "the printed flags carry the truth's tag height and the floor spacing"
exit $failed
