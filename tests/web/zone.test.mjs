// The zone a guard reads beside a tag: the one its dot is drawn in, or
// "between A and B" while its uncertainty reaches over a wall; in the side
// list, the tag's details and the alarm banner alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feed, feedOnce } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, shot, startTrackd } from './web.mjs';

// Mid-ICU, and in the main corridor 0.5 m past the ICU's wall.
const INSIDE = { tag: 'badge-0011', floor: 'f0', x: 33, y: 4.5 };
const WALL = { tag: 'badge-0012', floor: 'f0', x: 33, y: 10.0 };
const BETWEEN = 'between Main corridor (ground) and Intensive care unit';

let trackd, ingest, browser, feeding = true, fed;

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
	// Heard every second throughout, so neither turns stale.
	fed = feed(ingest, [INSIDE, WALL], 300, () => !feeding);
	await trackd.waitLocated(WALL.tag, 5000);
	browser = await launch();
});

after(async () => {
	feeding = false;
	await fed;
	ingest?.close();
	await browser?.close();
	await trackd?.stopClean();
});

const rowWhere = (page, tag) =>
	page.textContent(`#tag-list .tag-row[data-tag="${tag}"] .row-where`);

test('list, details and alarm banner say "between ... and ..." at a wall', async () => {
	const page = await openPage(browser, trackd.http + '/#f0');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForFunction((b) => document.querySelector(
		`#tag-list .tag-row[data-tag="${b.tag}"] .row-where`)?.textContent === b.text,
	{ tag: WALL.tag, text: BETWEEN }, { timeout: 10000 });
	assert.equal(await rowWhere(page, INSIDE.tag), 'Intensive care unit');
	// Cut short in the narrow list: the whole of it on hover.
	assert.equal(await page.getAttribute(
		`#tag-list .tag-row[data-tag="${WALL.tag}"] .row-where`, 'title'), BETWEEN);

	await page.click(`#tag-list .tag-row[data-tag="${WALL.tag}"]`);
	await page.waitForFunction((t) => document.getElementById('info-where')
		.textContent === t, `Ground floor · ${BETWEEN}`, { timeout: 5000 });

	await feedOnce(ingest, [{ ...WALL, button: true }]);
	await page.waitForSelector('#alarm-banner:not([hidden])', { timeout: 5000 });
	await page.waitForFunction((t) => document.getElementById('alarm-where')
		.textContent === t, `Ground floor · ${BETWEEN}`, { timeout: 5000 });
	assert.ok((await page.textContent('#alarm-list li.open')).includes(BETWEEN),
		'the alarm list says it too');
	await shot(page, 'zone-between.png');
	noErrors(page);
	await page.context().close();
});

test('a server without zone_here: the page shows zone', async () => {
	const page = await openPage(browser, trackd.http + '/#f0');
	const text = await page.evaluate(async () => {
		const { zoneText } = await import('./map.js');
		const name = (id) => `<${id}>`;
		return [zoneText({ zone: 'icu' }, name), zoneText({ zone: null }, name, 'none'),
			zoneText({ zone: 'icu', zone_here: null, zone_near: 'ed' }, name),
			zoneText({ zone: 'icu', zone_here: 'ed', zone_near: null }, name)];
	});
	assert.deepEqual(text, ['<icu>', 'none', 'near <ed>', '<ed>']);
	noErrors(page);
	await page.context().close();
});
