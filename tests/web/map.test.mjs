// The live map, as a security guard uses it: the demo site with moving
// markers, another floor, and finding a person by name.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, markerCentres, noErrors, openPage, shot, startSim, startTrackd } from './web.mjs';

let trackd, sim, browser, page;

before(async () => {
	trackd = await startTrackd();
	sim = startSim(trackd);
	browser = await launch();
	// Let every tag be heard and located once.
	await trackd.waitLocated('badge-0001', 15000);
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

test('the map loads the demo site and its markers move', async () => {
	page = await openPage(browser, trackd.http + '/');
	await page.waitForSelector('#map[data-drawing="image"]', { timeout: 10000 });
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForFunction(() => document.querySelectorAll('.tag[data-tag]').length >= 10,
		null, { timeout: 10000 });
	const first = await markerCentres(page);
	// The same markers, somewhere else a moment later.
	await page.waitForFunction((before) => {
		let moved = 0;
		for (const el of document.querySelectorAll('.tag[data-tag]')) {
			const b = before[el.dataset.tag];
			const r = el.querySelector('.dot').getBoundingClientRect();
			if (b && Math.hypot(r.x + r.width / 2 - b[0], r.y + r.height / 2 - b[1]) > 2)
				moved++;
		}
		return moved >= 3;
	}, first, { timeout: 10000 });
	const title = await page.textContent('#site-name');
	assert.match(title, /Demo Hospital/);
	// Zones carry their head counts.
	const counts = await page.$$eval('.zone-count', (els) => els.map((e) => e.textContent));
	assert.ok(counts.length >= 10 && counts.every((c) => /^\d+$/.test(c)), counts.join(','));
	// Someone has been in a zone for 3 s by now.
	await page.waitForFunction(() => [...document.querySelectorAll('.zone-count')]
		.some((e) => Number(e.textContent) > 0), null, { timeout: 10000 });
	await shot(page, 'map.png');
	noErrors(page);
});

test('switching floor shows that floor\'s tags only', async () => {
	const before = (await trackd.get('/api/v1/tags')).json().tags;
	await page.click('#floors button[data-floor="f1"]');
	await page.waitForSelector('#map[data-floor="f1"]');
	await page.waitForFunction(() => {
		const els = [...document.querySelectorAll('.tag[data-tag]')];
		return els.length > 0 && els.every((e) => e.dataset.floor === 'f1');
	}, null, { timeout: 10000 });
	const shown = Object.keys(await markerCentres(page));
	const after = (await trackd.get('/api/v1/tags')).json().tags;
	// A tag on the stairs may change floor between the reads: either will do.
	const onF1 = new Set([...before, ...after].filter((t) => t.floor === 'f1').map((t) => t.id));
	for (const id of shown)
		assert.ok(onF1.has(id), `${id} shown on f1 but the server has it elsewhere`);
	assert.equal(await page.getAttribute('#floors button[data-floor="f1"]', 'aria-pressed'), 'true');
	await shot(page, 'map-f1.png');
	noErrors(page);
});

test('search finds a named tag, shows its floor and centres on it', async () => {
	// A person the server has located, on the floor not shown now.
	const tags = (await trackd.get('/api/v1/tags')).json().tags;
	const who = tags.find((t) => t.kind === 'person' && t.floor === 'f0' && !t.stale && t.name);
	assert.ok(who, 'someone is located on f0');
	const surname = who.name.split(',')[0].split(' ').at(-1);
	await page.fill('#q', surname);
	await page.waitForSelector('#results li', { timeout: 5000 });
	const names = await page.$$eval('#results li', (els) => els.map((e) => e.textContent));
	const i = names.findIndex((n) => n.includes(who.id));
	assert.ok(i >= 0, `${who.id} among the results: ${names.join(' | ')}`);
	for (let k = 0; k <= i; k++)
		await page.press('#q', 'ArrowDown');
	await page.press('#q', 'Enter');
	await page.waitForSelector('#map[data-floor="f0"]', { timeout: 5000 });
	await page.waitForSelector(`.tag.selected[data-tag="${who.id}"] .dot`, { timeout: 5000 });
	// Followed: the marker stays at the middle of the map.
	await page.waitForFunction((id) => {
		const m = document.getElementById('map').getBoundingClientRect();
		const r = document.querySelector(`.tag[data-tag="${id}"] .dot`).getBoundingClientRect();
		return Math.hypot(r.x + r.width / 2 - (m.x + m.width / 2),
			r.y + r.height / 2 - (m.y + m.height / 2)) < 60;
	}, who.id, { timeout: 5000 });
	assert.match(await page.textContent('#info-name'), new RegExp(surname));
	await shot(page, 'search.png');
	noErrors(page);
});
