#!/bin/sh
# track-score's room-level and stillness figures on hand-made geometry,
# each checked exactly (TAP), and track-replay --moving: the contract's
# columns unchanged, a 0/1 moving column after them.
#   tests/test-score.sh TRACKSIM TRACK_REPLAY TRACK_SCORE
set -u
sim=$1 replay=$2 score=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
# The second table's row for LABEL, its label cut: "room no-zone path-x
# tot-x est-m true-m mov-prec mov-rec util-pp assets".
figures() {
	awk -v l="$1" '/^positions/ { figs = / room / }
		figs && $1 == l { $1 = ""; sub(/^ /, ""); print }' "$2"
}
echo "TAP version 13"
echo "1..13"

# Floor f0: zone a (x 0-8), zone a-bay inside it listed after it, zone b
# (x 12-20), nothing between; floor f1: zone c over the whole floor.
cat > "$tmp/site.json" <<'EOF'
{ "site": "t", "name": "t",
  "floors": [ { "id": "f0", "name": "0", "level": 0, "width": 20, "height": 10 },
              { "id": "f1", "name": "1", "level": 1, "width": 20, "height": 10 } ],
  "scanners": [],
  "zones": [
    { "id": "a", "name": "a", "floor": "f0", "kind": "room",
      "polygon": [[0,0],[8,0],[8,10],[0,10]] },
    { "id": "a-bay", "name": "a-bay", "floor": "f0", "kind": "room",
      "polygon": [[0,0],[4,0],[4,10],[0,10]] },
    { "id": "b", "name": "b", "floor": "f0", "kind": "room",
      "polygon": [[12,0],[20,0],[20,10],[12,10]] },
    { "id": "c", "name": "c", "floor": "f1", "kind": "corridor",
      "polygon": [[0,0],[20,0],[20,10],[0,10]] } ],
  "tags": [ { "id": "M", "name": "m", "kind": "asset" },
            { "id": "N", "name": "n", "kind": "asset" },
            { "id": "P", "name": "p", "kind": "person" } ] }
EOF

# Room: t0 right (a, the first zone of two that hold the truth), t1 wrong
# (the estimate's floor f1 puts it in c), t2 right (b), t3 truth in no
# zone (left out), t4 right (c on f1): 3 of 4.
cat > "$tmp/room-truth.csv" <<'EOF'
t,tag_id,x,y,z,floor
0,R,2,5,1,f0
1,R,4,5,1,f0
2,R,14,5,1,f0
3,R,10,5,1,f0
4,R,5,5,1,f1
EOF
cat > "$tmp/room-pos.csv" <<'EOF'
t,tag_id,x,y,floor,r
0,R,6,5,f0,1
1,R,3,5,f1,1
2,R,15,5,f0,1
3,R,11,5,f0,1
4,R,5,5,f1,1
EOF
"$score" --truth "$tmp/room-truth.csv" --site "$tmp/site.json" \
	"room=$tmp/room-pos.csv" > "$tmp/out"
rc=$?
set -- $(figures room "$tmp/out")
[ "$rc" = 0 ] && [ "${1:-}" = "75.0%" ] && [ "${2:-}" = 1 ]
check $? "room right: 3 of 4 positions, 1 with truth in no zone left out (got ${1:-?} ${2:-?})"

head -n 1 "$tmp/out" | grep -qx 'positions  *rows  *matched  *median  *p90  *p95  *rmse  *floor' &&
	awk '$1 == "room" { found = 1; exit !($2 == 5 && $3 == 5 && $8 == "80.0%") }
		END { exit !found }' "$tmp/out"
check $? "the error table comes first, as before"

"$score" --truth "$tmp/room-truth.csv" "room=$tmp/room-pos.csv" > "$tmp/out"
[ "$(wc -l < "$tmp/out")" = 2 ] && ! grep -q ' room ' "$tmp/out"
check $? "without --site or a moving column the error table comes alone"

printf 't,tag_id,x,y,floor,r\n0,Z,1,1,f0,1\n' > "$tmp/none.csv"
"$score" --truth "$tmp/room-truth.csv" --site "$tmp/site.json" \
	"room=$tmp/room-pos.csv" "none=$tmp/none.csv" > "$tmp/out"
set -- $(figures none "$tmp/out")
[ "${1:-}" = "-" ] && [ "${3:-}" = "-" ] && [ "${7:-}" = "-" ] &&
	[ "${9:-}" = "-" ]
check $? "a figure that cannot be measured (no position matched) is '-'"


# Path: A walks 10 m in 10 s, drawn 14 m (via (3,4) and (6,0)): 1.40;
# B walks 10 m in 20 s, drawn on the truth: 1.00; C stands still (true
# path 0, left out of the median) and is drawn 3 m. Median 1.20; in all
# 27 m against 20 m, 1.35.
awk 'BEGIN { print "t,tag_id,x,y,z,floor"
	for (t = 0; t <= 10; t++) printf "%d,A,%d,0,1,f0\n", t, t
	for (t = 0; t <= 20; t++) printf "%d,B,0,%g,1,f0\n", t, t / 2
	for (t = 0; t <= 2; t++) printf "%d,C,5,5,1,f0\n", t }' \
	> "$tmp/path-truth.csv"
cat > "$tmp/path-pos.csv" <<'EOF'
t,tag_id,x,y,floor,r
0,A,0,0,f0,1
0,B,0,0,f0,1
0,C,5,5,f0,1
1,C,6.5,5,f0,1
2,C,5,5,f0,1
3,A,3,4,f0,1
6,A,6,0,f0,1
10,A,10,0,f0,1
10,B,0,5,f0,1
20,B,0,10,f0,1
EOF
"$score" --truth "$tmp/path-truth.csv" --site "$tmp/site.json" \
	"path=$tmp/path-pos.csv" > "$tmp/out"
rc=$?
set -- $(figures path "$tmp/out")
[ "$rc" = 0 ] && [ "${3:-}" = 1.20 ] && [ "${4:-}" = 1.35 ] &&
	[ "${5:-}" = 27 ] && [ "${6:-}" = 20 ]
check $? "path length: median 1.20x over tags, 27 m against 20 m (got ${3:-?} ${4:-?} ${5:-?} ${6:-?})"

# Motion, 15 samples a tag. M (asset) stands at t 0-4, walks 1 m/s at
# t 5-9, stands at t 10-14: over the 2 s centred window it moves at t
# 4-9 (0.5 m/s at 4 and 9). The engine says moving at t 5-11: 5 right,
# 2 false, 1 missed; share 7/15 against 6/15, 6.7 points. N (asset)
# stands; the engine says moving 3 times: 20 points. P (person) stands;
# the engine says moving 5 times: 33.3 points, not an asset.
# Precision 5 / (5 + 2 + 3 + 5) = 33.3%, recall 5/6 = 83.3%; utilization
# the median over M and N, 13.3.
awk 'BEGIN { print "t,tag_id,x,y,z,floor"
	for (t = 0; t < 15; t++) {
		x = t < 5 ? 0 : t < 10 ? t - 4 : 5
		printf "%d,M,%d,1,1,f0\n%d,N,2,2,1,f0\n%d,P,3,3,1,f0\n", t, x, t, t
	} }' > "$tmp/mov-truth.csv"
awk -F, 'NR == 1 { print "t,tag_id,x,y,floor,r,moving"; next }
	{ t = $1; m = 0
	  if ($2 == "M") m = t >= 5 && t <= 11
	  if ($2 == "N") m = t < 3
	  if ($2 == "P") m = t >= 10
	  printf "%s,%s,%s,%s,%s,1,%d\n", $1, $2, $3, $4, $6, m }' \
	"$tmp/mov-truth.csv" > "$tmp/mov-pos.csv"
"$score" --truth "$tmp/mov-truth.csv" --site "$tmp/site.json" \
	"mov=$tmp/mov-pos.csv" > "$tmp/out"
rc=$?
set -- $(figures mov "$tmp/out")
[ "$rc" = 0 ] && [ "${7:-}" = "33.3%" ] && [ "${8:-}" = "83.3%" ]
check $? "moving flag: precision 33.3%, recall 83.3% (got ${7:-?} ${8:-?})"
[ "${9:-}" = 13.3 ] && [ "${10:-}" = 2 ]
check $? "utilization: median 13.3 points over the 2 assets (got ${9:-?} over ${10:-?})"

"$score" --truth "$tmp/mov-truth.csv" "mov=$tmp/mov-pos.csv" > "$tmp/out"
set -- $(figures mov "$tmp/out")
[ "${9:-}" = 20.0 ] && [ "${10:-}" = 3 ]
check $? "without --site utilization counts every tag (got ${9:-?} over ${10:-?})"

# Over 0.6 m/s M moves at t 5-8 only: 4 right, 11 false, none missed.
"$score" --truth "$tmp/mov-truth.csv" --moving-speed 0.6 \
	"mov=$tmp/mov-pos.csv" > "$tmp/out"
set -- $(figures mov "$tmp/out")
[ "${7:-}" = "26.7%" ] && [ "${8:-}" = "100.0%" ]
check $? "--moving-speed sets the truth's threshold (got ${7:-?} ${8:-?})"

# A 4 s window makes M move at t 3-10 (1.0/4 .. 0.25 m/s > 0.2): the
# engine's t 5-10 are right, 11 false, 3 and 4 missed.
"$score" --truth "$tmp/mov-truth.csv" --speed-window 4 \
	"mov=$tmp/mov-pos.csv" > "$tmp/out"
set -- $(figures mov "$tmp/out")
[ "${7:-}" = "40.0%" ] && [ "${8:-}" = "75.0%" ]
check $? "--speed-window sets the truth's window (got ${7:-?} ${8:-?})"

sed '2s/,0$/,2/' "$tmp/mov-pos.csv" > "$tmp/bad.csv"
"$score" --truth "$tmp/mov-truth.csv" "bad=$tmp/bad.csv" > /dev/null \
	2> "$tmp/err"
rc=$?
grep -q "bad.csv:2: column 'moving': expected 0 or 1, got 2" "$tmp/err"
check $(( (rc == 1 ? 0 : 1) + $? )) "a moving value other than 0 or 1 names its file and line"

# track-replay --moving: the default output plus one column.
"$sim" --csv "$tmp/s" --tags 4 --duration 30 --seed 2 --quiet &&
	"$replay" --scanners "$tmp/s/scanners.csv" \
		--reports "$tmp/s/reports.csv" > "$tmp/plain.csv" &&
	"$replay" --scanners "$tmp/s/scanners.csv" \
		--reports "$tmp/s/reports.csv" --moving > "$tmp/moving.csv"
rc=$?
head -n 1 "$tmp/plain.csv" | grep -qx 't,tag_id,x,y,floor,r' &&
	head -n 1 "$tmp/moving.csv" | grep -qx 't,tag_id,x,y,floor,r,moving' &&
	cut -d, -f1-6 "$tmp/moving.csv" | cmp -s - "$tmp/plain.csv" &&
	awk -F, 'NR > 1 && !($7 == 0 || $7 == 1) { bad = 1 }
		END { exit bad || NR < 50 }' "$tmp/moving.csv"
check $((rc + $?)) "track-replay --moving appends a 0/1 moving column and changes nothing else"

"$score" --truth "$tmp/s/truth.csv" "m=$tmp/moving.csv" > "$tmp/out"
rc=$?
set -- $(figures m "$tmp/out")
[ "$rc" = 0 ] && [ "${7:-}" != "-" ] && [ "${8:-}" != "-" ]
check $? "track-score reads the moving column of track-replay --moving"
exit $failed
