// The alarm webhook: an alarm opened or acknowledged is POSTed as JSON to
// the configured URL, and a refused delivery is retried until taken.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { feedOnce, startTrackd } from './trackd.mjs';

let trackd, ingest, receiver;
const received = [];   // { at, body } of every POST, taken or refused
let refuseNext = 1;    // answer 503 to this many deliveries first

function waitFor(pred, timeoutMs, what) {
	const until = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		const poll = () => {
			const hit = received.find(pred);
			if (hit)
				return resolve(hit);
			if (Date.now() > until)
				return reject(new Error(`timed out waiting for ${what}`));
			setTimeout(poll, 20);
		};
		poll();
	});
}

before(async () => {
	receiver = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			const refused = refuseNext > 0;
			if (refused)
				refuseNext--;
			received.push({ at: Date.now(), method: req.method, url: req.url,
				type: req.headers['content-type'], body, refused });
			res.writeHead(refused ? 503 : 204);
			res.end();
		});
	});
	await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${receiver.address().port}/hooks/alarm?src=trackd`;
	trackd = await startTrackd(['--webhook', url]);
	ingest = await trackd.ingest();
});

after(async () => {
	ingest?.close();
	await trackd?.stopClean();
	receiver?.close();
});

test('a distress press is posted, retried after a refusal, then acknowledged', async () => {
	const place = { tag: 'badge-0011', floor: 'f0', x: 10.0, y: 8.0 };
	await feedOnce(ingest, [place]);
	await feedOnce(ingest, [{ ...place, button: true }]);

	const refused = await waitFor((r) => r.refused, 3000, 'the first delivery');
	const taken = await waitFor((r) => !r.refused, 5000, 'the retried delivery');
	assert.equal(refused.body, taken.body, 'the same delivery is retried');
	const gap = taken.at - refused.at;
	assert.ok(gap >= 700 && gap < 3000, `retried after ${gap} ms`);
	assert.equal(taken.method, 'POST');
	assert.equal(taken.url, '/hooks/alarm?src=trackd');
	assert.match(taken.type, /^application\/json/);
	const opened = JSON.parse(taken.body);
	assert.equal(opened.event, 'opened');
	assert.equal(opened.site, 'demo-hospital');
	assert.equal(opened.alarm.tag, place.tag);
	assert.equal(opened.alarm.open, true);
	assert.ok(Number.isInteger(opened.alarm.id));

	const ack = await trackd.post(`/api/v1/alarms/${opened.alarm.id}/ack`,
		JSON.stringify({ by: 'duty officer' }));
	assert.equal(ack.status, 200);
	const acked = JSON.parse((await waitFor((r) => !r.refused &&
		JSON.parse(r.body).event === 'acknowledged', 3000, 'the acknowledgement')).body);
	assert.equal(acked.alarm.id, opened.alarm.id);
	assert.equal(acked.alarm.open, false);
	assert.equal(acked.alarm.acked_by, 'duty officer');

	assert.equal(await trackd.metric('trackd_webhook_sent_total'), 2);
	assert.equal(await trackd.metric('trackd_webhook_failures_total'), 1);
	assert.equal(await trackd.metric('trackd_webhook_pending'), 0);
});

test('a webhook nobody answers: failures counted, trackd keeps serving', async () => {
	const closed = http.createServer();
	await new Promise((r) => closed.listen(0, '127.0.0.1', r));
	const port = closed.address().port;
	await new Promise((r) => closed.close(r));
	const lonely = await startTrackd(['--webhook', `http://127.0.0.1:${port}/`]);
	try {
		const feed = await lonely.ingest();
		const place = { tag: 'badge-0012', floor: 'f0', x: 12.0, y: 8.0 };
		await feedOnce(feed, [place]);
		await feedOnce(feed, [{ ...place, button: true }]);
		const until = Date.now() + 5000;
		while (await lonely.metric('trackd_webhook_failures_total') < 2) {
			assert.ok(Date.now() < until, 'two failed attempts within 5 s');
			await new Promise((r) => setTimeout(r, 100));
		}
		assert.equal(await lonely.metric('trackd_webhook_pending'), 1);
		const alarms = (await lonely.get('/api/v1/alarms')).json();
		assert.equal(alarms.alarms[0].tag, place.tag);
		assert.equal(alarms.alarms[0].open, true);
		feed.close();
	} finally {
		await lonely.stopClean();
	}
});

test('a URL that is not http(s) is refused at start', async () => {
	await assert.rejects(startTrackd(['--webhook', 'ftp://example.org/x']),
		/webhook: expected http/);
});
