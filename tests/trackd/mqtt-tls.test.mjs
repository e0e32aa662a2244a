// Ingest through a mosquitto broker that speaks TLS only (mqtts://, its
// certificate from a CA made for the test): trackd trusting that CA
// (--mqtt-cafile) subscribes and places the tags published there; one
// trusting another CA never connects, and says why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Broker, noBroker } from './broker.mjs';
import { startTrackd, tempDir, until } from './trackd.mjs';

const skip = noBroker;
let broker, trackd;

before(async () => {
	if (skip)
		return;
	broker = await Broker.start('trackd-mqtts-', { tls: true });
});

after(async () => {
	await trackd?.stopClean();
	await broker?.stop();
});

test('mqtts with the broker\'s CA: connected, and the reports place the tag', { skip }, async () => {
	assert.match(broker.url, /^mqtts:\/\//);
	trackd = await startTrackd(broker.trackdArgs('trackd-tls'));
	await until(async () => (await trackd.get('/healthz')).json().mqtt ===
		'connected', 5000, 'trackd connected over TLS');
	assert.match(trackd.stderr(), /connected to 127\.0\.0\.1:\d+ as trackd-tls/);
	await broker.publishPlacements([{ tag: 'tls-0001', floor: 'f0', x: 12, y: 11 }]);
	await trackd.waitLocated('tls-0001');
	await trackd.stopClean();
	trackd = null;
});

test('mqtts with another CA: never connected, /healthz says why', { skip }, async () => {
	const other = path.join(tempDir('trackd-mqtts-other-'), 'ca.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
		'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${other}.key`,
		'-out', other, '-days', '1', '-subj', '/CN=someone else'], { stdio: 'ignore' });
	const args = broker.trackdArgs('trackd-tls-wrong');
	args[args.indexOf('--mqtt-cafile') + 1] = other;
	trackd = await startTrackd(args);
	const h = await until(async () => {
		const j = (await trackd.get('/healthz')).json();
		return /^disconnected: /.test(j.mqtt ?? '') ? j : null;
	}, 8000, 'the refused connection in /healthz');
	assert.equal(h.status, 'degraded');
	assert.equal(await trackd.metric('trackd_mqtt_connected'), 0);
	assert.ok(await trackd.metric('trackd_mqtt_connect_failures_total') >= 1);
	assert.match(h.mqtt, /TLS failed \(is the broker's certificate signed by a CA in --mqtt-cafile/);
});
