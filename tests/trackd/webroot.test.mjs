// Static files: only from the web root. "..", encoded dots and slashes,
// and symlinks that lead out of it all get 404.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

import { SITE, startTrackd, tempDir } from './trackd.mjs';

// A raw request, so that nothing normalises the path on the way.
function rawGet(port, target) {
	return new Promise((resolve, reject) => {
		const s = net.connect(port, '127.0.0.1', () => {
			s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
		});
		let data = '';
		s.setEncoding('latin1');
		s.on('data', (d) => { data += d; });
		s.on('end', () => resolve(data));
		s.on('error', reject);
	});
}

test('nothing outside the web root is served', async () => {
	const web = path.join(tempDir(), 'web');
	mkdirSync(path.join(web, 'css'), { recursive: true });
	writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
	writeFileSync(path.join(web, 'css', 'a.css'), 'body{}');
	symlinkSync(SITE, path.join(web, 'site.json'));           // a file outside
	symlinkSync(path.dirname(SITE), path.join(web, 'plans'));  // a directory outside
	symlinkSync(path.join(web, 'css', 'a.css'), path.join(web, 'b.css')); // inside: fine
	const trackd = await startTrackd(['--web', web]);
	try {
		assert.equal((await trackd.get('/')).status, 200);
		assert.equal((await trackd.get('/css/a.css')).status, 200);
		assert.equal((await trackd.get('/b.css')).status, 200, 'a link within the root');
		for (const bad of ['/site.json', '/plans/site.json', '/plans/f0.svg']) {
			const res = await trackd.get(bad);
			assert.equal(res.status, 404, `${bad}: ${res.text.slice(0, 80)}`);
			assert.ok(!res.text.includes('"scanners"'), `${bad} leaked the site`);
		}
		for (const bad of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
			'/css/..%2f..%2f..%2fetc%2fpasswd', '/css/%2e%2e/%2e%2e/etc/passwd']) {
			const answer = await rawGet(trackd.port, bad);
			assert.ok(!answer.includes('root:'), `${bad} leaked /etc/passwd`);
			assert.match(answer, /^HTTP\/1\.1 (400|403|404)/, `${bad}: ${answer.slice(0, 40)}`);
		}
	} finally {
		await trackd.stopClean();
	}
});
