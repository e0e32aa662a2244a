// Scanner clocks that are off: a report stamped ahead of trackd's clock by
// more than --max-skew is refused with the reason and counted, so it cannot
// freeze a badge (the engine refuses any report older than a tag's newest);
// and a tag whose newest accepted report is old by trackd's clock shows
// stale with its age, whatever its reports' own stamps say.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feedOnce, framesFor, now, sleep, startTrackd, until }
	from './trackd.mjs';

let trackd, ingest;

before(async () => {
	trackd = await startTrackd(['--max-skew', '30']);
	ingest = await trackd.ingest();
});

after(async () => {
	ingest?.close();
	await trackd?.stopClean();
});

const tagJson = async (id) => {
	const res = await trackd.get(`/api/v1/tags/${id}`);
	return res.status === 200 ? res.json() : null;
};

test('a report a day ahead is refused, and the badge keeps updating', async () => {
	const badge = { tag: 'badge-0003', floor: 'f0', x: 10.0, y: 6.0 };
	await feedOnce(ingest, [badge]);
	const [frame] = framesFor([badge], now() + 86400);
	const answer = await ingest.send({ scanner: frame.scanner,
		reports: frame.reports.slice(0, 1) });
	assert.equal(answer.accepted, 0);
	assert.match(answer.rejected[0].error,
		/^bad report: 't' is 864\d\d s ahead of trackd's clock \(at most 30 s: --max-skew\)$/);
	assert.equal(await trackd.metric('trackd_reports_future_total'), 1);
	// Real reports after it are taken (not "time went backwards"), and
	// the badge moves with them.
	const moved = { ...badge, x: 20.0 };
	for (let i = 0; i < 4; i++) {
		await sleep(1000);
		await feedOnce(ingest, [moved]);
	}
	await until(async () => (await tagJson(badge.tag))?.x > 15, 5000,
		'the badge to follow its real reports');
	const t = await tagJson(badge.tag);
	assert.equal(t.stale, false);
	assert.ok(t.age >= 0 && t.age < 3, `age ${t.age}`);
});

test('a badge frozen by a report from the future shows stale by trackd\'s clock', async () => {
	// An operator who allows a day of skew gets the freeze the limit
	// prevents: the day-ahead report is taken, and the engine refuses
	// every real one after it as older. The badge must not look live.
	const lax = await startTrackd(['--max-skew', '86400']);
	const feedLax = await lax.ingest();
	try {
		const badge = { tag: 'badge-0004', floor: 'f0', x: 30.0, y: 6.0 };
		await feedOnce(feedLax, [badge]);
		await until(async () => (await lax.get(`/api/v1/tags/${badge.tag}`))
			.status === 200, 5000, 'the badge on the map');
		const [frame] = framesFor([badge], now() + 86400);
		assert.equal((await feedLax.send(frame)).accepted,
			frame.reports.length);
		const later = framesFor([badge], now() + 1);
		const answers = await Promise.all(later.map((f) => feedLax.send(f)));
		assert.ok(answers.every((x) => x.accepted === 0),
			JSON.stringify(answers));
		await until(async () => (await lax.get(`/api/v1/tags/${badge.tag}`))
			.json().stale, 15000, 'the frozen badge to show stale');
		const t = (await lax.get(`/api/v1/tags/${badge.tag}`)).json();
		assert.ok(t.age >= 10, `age ${t.age}`);
	} finally {
		feedLax.close();
		await lax.stopClean();
	}
});
