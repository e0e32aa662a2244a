// trackd --config FILE: the same settings as the options, in JSON; paths
// relative to the file; the command line wins.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { SITE, TRACKD, loadSite, startTrackd, tempDir } from './trackd.mjs';

test('a config file names the site and the database; --port overrides it', async () => {
	const dir = tempDir();
	const config = path.join(dir, 'trackd.json');
	writeFileSync(config, JSON.stringify({
		site: path.relative(dir, SITE), db: 'history.db', port: 1, 'tick-ms': 500,
	}));
	const trackd = await startTrackd(['--config', config]);
	try {
		const res = await trackd.get('/api/v1/site');
		assert.equal(res.status, 200);
		assert.deepEqual(res.json(), loadSite());
		assert.ok(existsSync(path.join(dir, 'history.db')),
			'the database is made next to the config file');
		assert.equal((await trackd.get('/healthz')).json().db, 'ok');
	} finally {
		await trackd.stopClean();
	}
});

test('a bad config file: a clear error naming the file and the key', async () => {
	const dir = tempDir();
	const cases = [
		[{ site: SITE, colour: 'red' }, /trackd\.json: colour: unknown setting/],
		[{ site: SITE, port: 'eighty' }, /trackd\.json: port: expected 1 to 65535/],
		[{ site: SITE, db: ['a'] }, /trackd\.json: db: expected a string/],
		['{"site": ', /trackd\.json:1:\d+: /],
		[[1, 2], /expected a JSON object of settings/],
	];
	for (const [content, message] of cases) {
		const config = path.join(dir, 'trackd.json');
		writeFileSync(config, typeof content === 'string' ? content : JSON.stringify(content));
		await assert.rejects(startTrackd(['--config', config]), message);
	}
	await assert.rejects(startTrackd(['--config', path.join(dir, 'missing.json')]),
		/missing\.json.*No such file/);
});

test('trackd --help names the subcommands, which answer --help too', () => {
	const help = execFileSync(TRACKD, ['--help'], { encoding: 'utf8' });
	assert.match(help, /^usage: trackd --site site\.json/);
	assert.match(help, /trackd token add\|list\|revoke \.\.\. --db FILE/);
	assert.match(help, /trackd backup COPY --db FILE/);
	const token = execFileSync(TRACKD, ['token', '--help'], { encoding: 'utf8' });
	assert.match(token, /trackd token add --role ROLE/);
});
