// A badge that stopped updating looks it on the map, whatever its reports'
// clock says: frozen by a report stamped a day ahead (taken because this
// trackd allows a day of skew), it turns grey with its age within seconds
// of the stale limit, in the list and on the map.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feedOnce, framesFor, now } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, shot, startTrackd } from './web.mjs';

let trackd, ingest, browser;

before(async () => {
	trackd = await startTrackd(['--max-skew', '86400']);
	ingest = await trackd.ingest();
	browser = await launch();
});

after(async () => {
	await browser?.close();
	ingest?.close();
	await trackd?.stopClean();
});

test('a frozen badge turns stale on the map with its age', async () => {
	const badge = { tag: 'badge-0006', floor: 'f0', x: 12.0, y: 6.0 };
	const page = await openPage(browser, trackd.http + '/');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await feedOnce(ingest, [badge]);
	const marker = `.tag[data-tag="${badge.tag}"]`;
	await page.waitForSelector(marker, { state: 'attached', timeout: 5000 });
	assert.equal(await page.$(`${marker}.stale`), null, 'fresh at first');
	const [frame] = framesFor([badge], now() + 86400);
	assert.equal((await ingest.send(frame)).accepted, frame.reports.length);
	const sent = Date.now();
	await page.waitForSelector(`${marker}.stale`, { state: 'attached', timeout: 15000 });
	const after = (Date.now() - sent) / 1000;
	assert.ok(after >= 8, `stale ${after} s after its last report`);
	const age = await page.textContent(`${marker} .age`);
	assert.match(age, /\d+ s ago/);
	await shot(page, 'stale.png');
	noErrors(page);
});
