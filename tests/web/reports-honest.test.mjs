// Honest reports: time before trackd had any data is drawn as no data (a
// gap), never as zero people; a query that fails takes the old chart away
// and says what was wrong, with the server's status and reason.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launch, noErrors, openPage, shot, startSim, startTrackd, tempDir,
	untilCounted } from './web.mjs';

let trackd, sim, browser, started;

before(async () => {
	started = Date.now() / 1000;
	trackd = await startTrackd(['--db', path.join(tempDir('trackd-web-'), 'honest.db')]);
	sim = startSim(trackd);
	browser = await launch();
	await untilCounted(trackd);
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

// The custom window [from, to] (Unix seconds) in the form, shown.
async function showWindow(page, from, to) {
	await page.evaluate(([f, t]) => {
		const two = (n) => String(n).padStart(2, '0');
		const local = (s) => {
			const d = new Date(s * 1000);
			return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}` +
				`T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
		};
		const form = document.getElementById('window');
		form.elements.preset.value = 'custom';
		form.elements.from.value = local(f);
		form.elements.to.value = local(t);
		form.requestSubmit();
	}, [from, to]);
}

test('the API says "no data" for minutes before trackd ran, numbers after', async () => {
	const now = Date.now() / 1000;
	const occ = (await trackd.get(`/api/v1/reports/occupancy?floor=f0&from=${now - 1800}&to=${now}`)).json();
	const buckets = occ.zones.flatMap((z) => z.buckets);
	const before = buckets.filter((b) => b.t + 60 <= started);
	const since = buckets.filter((b) => b.t >= Math.floor(started / 60) * 60 + 60 || b.t + 60 > now);
	assert.ok(before.length > 20, `${before.length} buckets before the start`);
	assert.ok(before.every((b) => b.mean === null && b.peak === null), JSON.stringify(before[0]));
	assert.ok(since.length > 0 && since.every((b) => Number.isFinite(b.mean)), JSON.stringify(since));
	const csv = (await trackd.get(`/api/v1/reports/occupancy?floor=f0&from=${now - 1800}&to=${now}&format=csv`)).text;
	assert.match(csv, /\n[^,\n]+,\d+,,,,,,\n/, 'empty fields in CSV');
});

test('a window reaching back before any data draws a gap, not zero people', async () => {
	const page = await openPage(browser, trackd.http + '/reports.html', { width: 1280, height: 1000 });
	await page.waitForFunction(() => Number(document.getElementById('occ-chart').dataset.series) > 0,
		null, { timeout: 10000 });
	const now = Date.now() / 1000;
	await showWindow(page, now - 1800, now);
	await page.waitForFunction(() => Number(document.getElementById('occ-chart').dataset.gaps) > 20,
		null, { timeout: 10000 });
	const points = Number(await page.getAttribute('#occ-chart', 'data-points'));
	const gaps = Number(await page.getAttribute('#occ-chart', 'data-gaps'));
	assert.ok(gaps < points, `${gaps} of ${points} points without data: the rest drawn`);
	assert.ok(await page.$('#occ-chart canvas'));
	await shot(page, 'reports-gap.png');
	// Wholly before any data: said so, not "no one was counted".
	await showWindow(page, now - 7200, now - 3600);
	await page.waitForFunction(() => document.getElementById('occ-chart').dataset.nodata === 'true',
		null, { timeout: 10000 });
	assert.equal(await page.isVisible('#occ-empty'), true);
	assert.match(await page.textContent('#occ-empty'), /No data for this window/);
	assert.equal(await page.$('#occ-chart canvas'), null);
	noErrors(page);
});

test('a failed query clears the chart and says what was wrong', async () => {
	const page = await openPage(browser, trackd.http + '/reports.html', { width: 1280, height: 1000 });
	await page.waitForFunction(() => Number(document.getElementById('occ-chart').dataset.series) > 0,
		null, { timeout: 10000 });
	assert.ok(await page.$('#occ-chart canvas'), 'a chart first');
	// Eight days of minutes: more than the server answers.
	const now = Date.now() / 1000;
	await showWindow(page, now - 8 * 86400, now);
	await page.waitForSelector('#report-error', { state: 'visible', timeout: 10000 });
	const text = await page.textContent('#report-error');
	assert.match(text, /could not be loaded/);
	assert.match(text, /400/);
	assert.match(text, /window is too long/);
	assert.equal(await page.$('#occ-chart canvas'), null, 'the old chart is gone');
	assert.equal(await page.$$eval('#dwell tbody tr', (r) => r.length), 0, 'and the old tables');
	await shot(page, 'reports-error.png');
	// A good window again: the error goes, the chart comes back.
	await showWindow(page, now - 600, Date.now() / 1000);
	await page.waitForSelector('#occ-chart canvas', { timeout: 10000 });
	assert.equal(await page.isVisible('#report-error'), false);
	noErrors(page);
});
