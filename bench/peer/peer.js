// The peer a user would write in Node with npm's trilat and kalmanjs, as
// bench-replay.sh times it against track-replay on the same files: each
// second of report time, per tag, the mean RSSI of the last second per
// scanner, ranges from the log-distance model (P1m -59 dBm, n 2), trilat's
// Levenberg-Marquardt on the scanners heard (3 or more), and a 1-D Kalman
// filter per coordinate. Writes t,tag_id,x,y like track-replay.
//
// usage: node peer.js scanners.csv reports.csv > positions.csv
'use strict';
const fs = require('fs');
const readline = require('readline');
const trilat = require('trilat');
const KalmanFilter = require('kalmanjs');

const P1M = -59, N = 2.0;
const [scannersCsv, reportsCsv] = process.argv.slice(2);
if (!scannersCsv || !reportsCsv) {
	console.error('usage: node peer.js scanners.csv reports.csv');
	process.exit(2);
}

const scanners = new Map();
for (const line of fs.readFileSync(scannersCsv, 'utf8').split('\n').slice(1)) {
	const f = line.split(',');
	if (f.length >= 3)
		scanners.set(f[0], [Number(f[1]), Number(f[2])]);
}

const tags = new Map(); // tag -> { sums: Map(scanner -> [sum, n]), kx, ky }
const out = [];
let second = null;

function flush(t) {
	for (const [tag, s] of tags) {
		const data = [];
		for (const [sc, [sum, n]] of s.sums) {
			const p = scanners.get(sc);
			const rssi = sum / n;
			data.push([p[0], p[1], Math.pow(10, (P1M - rssi) / (10 * N))]);
		}
		s.sums.clear();
		if (data.length < 3)
			continue;
		const [x, y] = trilat(data);
		out.push(`${t},${tag},${s.kx.filter(x).toFixed(3)},${s.ky.filter(y).toFixed(3)}`);
	}
}

const rl = readline.createInterface({ input: fs.createReadStream(reportsCsv) });
let header = true;
rl.on('line', (line) => {
	if (header) { header = false; return; }
	const f = line.split(',');
	const t = Number(f[0]), sec = Math.floor(t);
	if (second === null)
		second = sec;
	while (sec > second)
		flush(++second);
	let s = tags.get(f[2]);
	if (!s) {
		s = { sums: new Map(), kx: new KalmanFilter(), ky: new KalmanFilter() };
		tags.set(f[2], s);
	}
	const a = s.sums.get(f[1]);
	if (a) { a[0] += Number(f[3]); a[1]++; }
	else s.sums.set(f[1], [Number(f[3]), 1]);
});
rl.on('close', () => {
	if (second !== null)
		flush(second + 1);
	process.stdout.write('t,tag_id,x,y\n' + out.join('\n') + '\n');
});
