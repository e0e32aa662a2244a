// A flood of unknown tags (phones with random addresses): the tables stay
// bounded, the overflow is counted, memory does not grow with the flood,
// and a real badge gets on the map once the flood's tags go stale.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { feed, now, sleep, startTrackd } from './trackd.mjs';

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(
	readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

function randomMac() {
	const b = Array.from({ length: 6 }, () => Math.floor(Math.random() * 256));
	b[0] = (b[0] | 0x02) & 0xfe; // locally administered, as phones' are
	return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

async function flood(ingest, n) {
	const scanners = ['ap-f0-01', 'ap-f0-02', 'ap-f0-03', 'ap-f0-04'];
	for (let done = 0; done < n; done += 1000) {
		const t = now();
		const reports = Array.from({ length: 1000 }, () =>
			({ tag: randomMac(), rssi: -70, t }));
		const answer = await ingest.send({ scanner: scanners[done / 1000 % 4], reports });
		assert.equal(answer.accepted + answer.rejected.length, 1000);
	}
}

test('a flood of random addresses stays bounded; a badge still gets through', async () => {
	const trackd = await startTrackd(['--max-tags', '1000', '--scanner-rate', '0']);
	try {
		const ingest = await trackd.ingest();
		await flood(ingest, 5000);
		await sleep(500);
		const after1 = rssKb(trackd.proc.pid);
		await flood(ingest, 5000);
		await sleep(500);
		const after2 = rssKb(trackd.proc.pid);
		// Under AddressSanitizer freed memory waits in quarantine, so
		// RSS says nothing there; the table counts below still do.
		if (!process.env.ASAN_OPTIONS)
			assert.ok(after2 - after1 < 4096,
				`RSS grew ${after2 - after1} kB on the second flood`);
		assert.ok(await trackd.metric('trackd_tags') <= 1000);
		const tags = (await trackd.get('/api/v1/tags')).json().tags;
		assert.ok(tags.length <= 1000, `${tags.length} tags listed`);
		const metrics = (await trackd.get('/metrics')).text;
		// The flood's ids, one scanner each, churn among themselves on
		// probation: counted as they push each other out.
		assert.ok(await trackd.metric('trackd_tags_probation_evicted_total') > 0 ||
			await trackd.metric('trackd_tags_table_full_total') > 0 ||
			/trackd_reports_rejected_total\{reason="[^"]*full[^"]*"\} [1-9]/.test(metrics),
			`the overflow is counted:\n${metrics}`);

		// Once the flood's tags are stale, a real badge takes a place.
		await sleep(10500);
		const badge = { tag: 'badge-0042', floor: 'f0', x: 14.0, y: 11.0 };
		await feed(ingest, [badge], 2);
		const t = await trackd.waitLocated(badge.tag, 5000);
		assert.equal(t.floor, 'f0');
		assert.ok(await trackd.metric('trackd_tags_evicted_total') > 0);
		ingest.close();
	} finally {
		await trackd.stopClean();
	}
});

test('while one scanner floods made-up ids, a phone several scanners hear gets on the map', async () => {
	const trackd = await startTrackd(['--max-tags', '1000', '--scanner-rate', '0']);
	let flooding = true;
	try {
		const junk = await trackd.ingest();
		const ingest = await trackd.ingest();
		// Made-up ids from one scanner, each heard again and again, so
		// that both tables stay full of tags heard just now.
		const ids = Array.from({ length: 3000 }, randomMac);
		const floodLoop = (async () => {
			for (let k = 0; flooding; k++) {
				const t = now();
				const reports = ids.slice((k % 3) * 1000, (k % 3 + 1) * 1000)
					.map((tag) => ({ tag, rssi: -70, t }));
				await junk.send({ scanner: 'ap-f0-01', reports });
			}
		})();
		await sleep(2000);
		const phone = { tag: 'aa:bb:cc:00:00:01', floor: 'f0', x: 14.0, y: 11.0 };
		let located = null;
		const feeding = feed(ingest, [phone], 8, () => located !== null);
		located = await trackd.waitLocated(phone.tag, 8000);
		assert.equal(located.floor, 'f0');
		assert.ok(await trackd.metric('trackd_tags_probation_evicted_total') > 0,
			'the flood pushes only itself out');
		flooding = false;
		await Promise.all([floodLoop, feeding]);
		junk.close();
		ingest.close();
	} finally {
		flooding = false;
		await trackd.stopClean();
	}
});
