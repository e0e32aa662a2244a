// A readable map where people crowd: ten badges at nearly one place, and
// no two names drawn over each other, the person in distress and the
// selected one named whatever else is hidden, at any zoom; zone names
// whole or shortened by whole words, never cut; and a marker reached with
// Tab and taken with Enter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feed, feedOnce, loadSite } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, shot, startTrackd } from './web.mjs';

// Eight people and two pieces of equipment within a metre of mid-ICU.
const site = loadSite();
const people = site.tags.filter((t) => t.kind === 'person').slice(0, 8);
const assets = site.tags.filter((t) => t.kind === 'asset').slice(0, 2);
const CROWD = [...people, ...assets].map((t, i) => ({
	tag: t.id, floor: 'f0', x: 33 + (i % 4) * 0.3, y: 4.5 + Math.floor(i / 4) * 0.3,
}));
const ALARMED = CROWD[5], SELECTED = CROWD[6];

let trackd, ingest, browser, page, feeding = true, fed;

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
	fed = feed(ingest, CROWD, 300, () => !feeding);
	await trackd.waitLocated(CROWD.at(-1).tag, 5000);
	browser = await launch();
	page = await openPage(browser, trackd.http + '/#f0');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForFunction((n) => document.querySelectorAll('.tag[data-tag]').length >= n,
		CROWD.length, { timeout: 10000 });
});

after(async () => {
	feeding = false;
	await fed;
	ingest?.close();
	await browser?.close();
	await trackd?.stopClean();
});

// The names drawn now, measured after the page's own work in this frame:
// [{tag, box}] of every label that can be seen.
const visibleLabels = (p) => p.evaluate(() => new Promise((resolve) =>
	requestAnimationFrame(() => resolve([...document.querySelectorAll('.tag[data-tag] .name')]
		.filter((el) => {
			const s = getComputedStyle(el);
			return s.visibility === 'visible' && s.display !== 'none' && el.offsetWidth > 0;
		})
		.map((el) => {
			const r = el.getBoundingClientRect();
			return { tag: el.closest('.tag').dataset.tag, text: el.textContent,
				box: [r.left, r.top, r.right, r.bottom] };
		})))));

function assertNoOverlap(labels, where) {
	for (let i = 0; i < labels.length; i++)
		for (let j = i + 1; j < labels.length; j++) {
			const [a, b] = [labels[i].box, labels[j].box];
			const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
			const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
			assert.ok(w <= 0.5 || h <= 0.5, `${where}: "${labels[i].text}" and ` +
				`"${labels[j].text}" overlap (${w.toFixed(1)} x ${h.toFixed(1)} px)`);
		}
}

test('a crowd: no two names overlap; the alarmed and the selected are named', async () => {
	await feedOnce(ingest, [{ ...ALARMED, button: true }]);
	await page.waitForSelector(`.tag.alarm[data-tag="${ALARMED.tag}"]`,
		{ state: 'attached', timeout: 5000 });
	await page.click(`#tag-list .tag-row[data-tag="${SELECTED.tag}"]`);
	await page.waitForSelector(`.tag.selected[data-tag="${SELECTED.tag}"]`,
		{ state: 'attached', timeout: 5000 });
	// Closer in, then further out: the names are placed again each time.
	for (const [zoom, name] of [[null, 'fitted'], [6, 'zoomed in'], [2, 'zoomed out']]) {
		if (zoom !== null) {
			// With the zoom buttons, one step at a time.
			for (let i = 0; i < 2; i++) {
				await page.click(zoom > 4 ? '.leaflet-control-zoom-in' : '.leaflet-control-zoom-out');
				await page.waitForTimeout(400);
			}
		}
		const labels = await visibleLabels(page);
		const named = new Set(labels.map((l) => l.tag));
		assert.ok(named.has(ALARMED.tag), `${name}: the person in distress is named`);
		assert.ok(named.has(SELECTED.tag), `${name}: the selected tag is named`);
		assertNoOverlap(labels, name);
		if (name === 'fitted') {
			assert.ok(labels.length < CROWD.length, 'some names give way in the crowd');
			await shot(page, 'labels-crowd.png');
		}
	}
	// Each hidden name is still there on hover and in the list, whole.
	const p = site.tags.find((t) => t.id === people[0].id);
	assert.equal(await page.getAttribute(`.leaflet-marker-icon:has(.tag[data-tag="${p.id}"])`,
		'title'), `${p.name} (${p.id})`);
	assert.equal((await page.textContent(`#tag-list .tag-row[data-tag="${p.id}"] .row-name`))
		.replace(/\s+/g, ''), p.name.replace(/[\s,]+/g, ''));
	noErrors(page);
});

test('zone names are whole or shortened by whole words, never cut', async () => {
	const zones = await page.$$eval('.zone-label > div', (els) => els.map((el) => {
		const name = el.querySelector('.zone-name');
		return { title: el.title, text: name.hidden ? '' : name.textContent,
			cut: el.scrollWidth > el.clientWidth + 1 || name.scrollWidth > name.clientWidth + 1,
			ellipsis: getComputedStyle(name).textOverflow === 'ellipsis' };
	}));
	const f0 = site.zones.filter((z) => z.floor === 'f0');
	assert.equal(zones.length, f0.length);
	for (const z of zones) {
		assert.ok(f0.some((x) => x.name === z.title), `the whole name on hover: ${z.title}`);
		assert.ok(!z.cut && !z.ellipsis, `"${z.title}" drawn whole, shown as "${z.text}"`);
		const words = z.title.split(/\s+/);
		for (const w of z.text.split(/\s+/).filter(Boolean))
			assert.ok(words.some((x) => x.toLowerCase() === w.toLowerCase()),
				`"${z.text}": "${w}" is a whole word of "${z.title}"`);
	}
	assert.ok(zones.filter((z) => z.text === z.title).length >= f0.length / 2,
		'most zones show their whole name');
	noErrors(page);
});

test('a marker is reached with Tab, named with its place, and taken with Enter', async () => {
	await page.focus('#map');
	await page.keyboard.press('Tab');
	const focused = await page.evaluate(() => {
		const el = document.activeElement;
		const tag = el.querySelector('.tag[data-tag]');
		return tag && { tag: tag.dataset.tag, label: el.getAttribute('aria-label'),
			role: el.getAttribute('role'),
			ring: getComputedStyle(tag.querySelector('.dot')).outlineStyle,
			nameShown: getComputedStyle(tag.querySelector('.name')).visibility };
	});
	assert.ok(focused, 'Tab from the map lands on a tag marker');
	const t = site.tags.find((x) => x.id === focused.tag);
	assert.equal(focused.role, 'button');
	assert.ok(focused.label.includes(t.name), `aria-label names ${t.name}: ${focused.label}`);
	assert.match(focused.label, /Intensive care unit/, 'and says where');
	assert.notEqual(focused.ring, 'none', 'a visible focus ring');
	assert.equal(focused.nameShown, 'visible', 'the focused marker shows its name');
	await shot(page, 'labels-focus.png');
	await page.keyboard.press('Enter');
	await page.waitForSelector(`.tag.selected[data-tag="${focused.tag}"]`,
		{ state: 'attached', timeout: 2000 });
	assert.equal(await page.textContent('#info-name'), t.name);
	noErrors(page);
});
