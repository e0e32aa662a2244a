// The reports page, as a facility manager uses it: a chart with data and
// a CSV download; and a replay of a tag's stored track on the map.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launch, noErrors, openPage, shot, startSim, startTrackd, tempDir,
	untilCounted } from './web.mjs';

let trackd, sim, browser;

before(async () => {
	trackd = await startTrackd(['--db', path.join(tempDir('trackd-web-'), 'web.db')]);
	sim = startSim(trackd);
	browser = await launch();
	await untilCounted(trackd);
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

test('the reports page draws occupancy with data and downloads CSV', async () => {
	const page = await openPage(browser, trackd.http + '/reports.html', { width: 1280, height: 1400 });
	await page.waitForFunction(() => Number(document.getElementById('occ-chart').dataset.series) > 0,
		null, { timeout: 10000 });
	assert.ok(await page.$('#occ-chart canvas'), 'a chart canvas');
	await page.waitForFunction(() => document.querySelectorAll('#dwell tbody tr').length > 5,
		null, { timeout: 5000 });
	assert.ok((await page.$$('#util tbody tr')).length > 10, 'a row per asset');
	await page.waitForFunction(() => Number(document.getElementById('heatmap').dataset.cells) > 0,
		null, { timeout: 5000 });
	await shot(page, 'reports.png');

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.click('[data-csv="occupancy"]'),
	]);
	assert.match(download.suggestedFilename(), /^occupancy-f0\.csv$/);
	const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
	assert.equal(csv[0], 'zone,t,mean,peak,mean_person,mean_asset,peak_person,peak_asset');
	assert.ok(csv.length > 10, `${csv.length} lines`);
	assert.ok(csv.slice(1).some((l) => Number(l.split(',')[2]) > 0), 'someone counted');

	const [dwell] = await Promise.all([
		page.waitForEvent('download'),
		page.click('[data-csv="dwell"]'),
	]);
	assert.match(readFileSync(await dwell.path(), 'utf8'), /^zone,visits,total_s/);
	noErrors(page);
});

test('a tag\'s last minutes replay on the map', async () => {
	const page = await openPage(browser, trackd.http + '/');
	await page.waitForSelector('.tag[data-tag] .dot', { timeout: 10000 });
	const id = await page.getAttribute('.tag.kind-person[data-tag]', 'data-tag');
	await page.click(`#tag-list button[data-tag="${id}"]`);
	await page.click('#info-replay');
	await page.waitForFunction(() => /\d+ positions/.test(document.getElementById('pb-msg').textContent),
		null, { timeout: 10000 });
	await page.waitForSelector('path.replay-marker', { timeout: 5000 });
	await page.keyboard.press('Escape');
	await page.waitForSelector('#playback', { state: 'hidden' });
	noErrors(page);
});
