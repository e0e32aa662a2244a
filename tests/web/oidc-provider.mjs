// A real OpenID provider for the single sign-on tests: the certified
// oidc-provider from npm on a loopback port (plain http: loopback only),
// with its own login page that checks passwords, users in groups that can
// change between sign-ins, signing keys that can be rotated, and a second
// client ("api-client") that gets JWT access tokens for trackd's API.
//
// Used by tests/trackd/oidc.test.mjs and tests/web/oidc.test.mjs; it lives
// here because oidc-provider is installed in tests/web/node_modules.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

// For tests that sign tokens of their own with the provider's key (one
// already expired, say): jose, as installed here.
export { SignJWT, importJWK } from 'jose';

export const CLIENT_ID = 'trackd';
export const CLIENT_SECRET = randomBytes(24).toString('base64url');
export const API_CLIENT = 'api-client';
export const API_SECRET = randomBytes(24).toString('base64url');
export const API_AUDIENCE = 'urn:trackd:api';
export const API_REDIRECT = 'http://127.0.0.1:9/api-client/cb';

// A fresh RS256 signing key as a private JWK, with its kid.
export function signingKey(kid) {
	const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
	return `<!doctype html><html lang="en"><meta charset="utf-8">
<title>Test identity provider: sign in</title>
<h1>Test identity provider</h1>
${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<label>Login <input name="login" autocomplete="username" required></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button>
</form></html>`;
}

async function body(req) {
	let text = '';
	for await (const chunk of req)
		text += chunk;
	return new URLSearchParams(text);
}

export class TestProvider {
	// users: { login: { password, name, email, groups: [...] } }; keys: the
	// private JWKs it signs with (the first one signs).
	constructor(users) {
		this.users = users;
		this.keys = [signingKey('key-1')];
		this.redirects = [];
		this.accessTTL = 600;
		this.issuerOverride = null;
		this.server = http.createServer((req, res) => this.handle(req, res));
	}

	async listen(port = 0) {
		await new Promise((r) => this.server.listen(port, '127.0.0.1', r));
		this.port = this.server.address().port;
		this.issuer = `http://127.0.0.1:${this.port}`;
		return this;
	}

	// (Re)made with the current users' list, redirect URIs and keys: a
	// rotation is keys changed, then start() again (sessions and grants
	// at the provider are lost, as in a restart).
	start() {
		const users = this.users;
		const account = (id) => users[id] && {
			accountId: id,
			claims: async () => ({ sub: id, name: users[id].name,
				email: users[id].email, groups: [...users[id].groups] }),
		};
		this.provider = new Provider(this.issuerOverride || this.issuer, {
			clients: [{
				client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
				redirect_uris: this.redirects, response_types: ['code'],
				grant_types: ['authorization_code'],
				token_endpoint_auth_method: 'client_secret_basic',
				post_logout_redirect_uris: this.redirects.map((u) => new URL(u).origin + '/'),
			}, {
				client_id: API_CLIENT, client_secret: API_SECRET,
				redirect_uris: [API_REDIRECT], response_types: ['code'],
				grant_types: ['authorization_code'],
				token_endpoint_auth_method: 'client_secret_post',
			}],
			jwks: { keys: this.keys },
			cookies: { keys: [randomBytes(16).toString('hex')] },
			pkce: { required: () => true },
			// The groups in the ID token itself, as Keycloak's and Entra's
			// group claims are.
			conformIdTokenClaims: false,
			claims: { openid: ['sub'], profile: ['name'], email: ['email'],
				groups: ['groups'] },
			scopes: ['openid', 'profile', 'email', 'groups', 'api'],
			findAccount: (ctx, id) => account(id),
			features: {
				devInteractions: { enabled: false },
				resourceIndicators: {
					enabled: true,
					defaultResource: () => undefined,
					useGrantedResource: () => true,
					getResourceServerInfo: (ctx, resource) => ({
						audience: resource, scope: 'api',
						accessTokenFormat: 'jwt', accessTokenTTL: this.accessTTL,
						jwt: { sign: { alg: 'RS256' } },
					}),
				},
			},
			// The person's groups and name in API access tokens too.
			extraTokenClaims: (ctx, token) => {
				const u = token.accountId && users[token.accountId];
				return u ? { groups: [...u.groups], name: u.name, email: u.email } : undefined;
			},
			ttl: { Session: 3600, Grant: 3600, Interaction: 600, IdToken: 600,
				AccessToken: () => this.accessTTL },
			renderError: (ctx, out) => {
				ctx.type = 'html';
				ctx.body = `<!doctype html><p>${esc(out.error)}: ${esc(out.error_description)}</p>`;
			},
		});
		this.callback = this.provider.callback();
		return this;
	}

	async handle(req, res) {
		if (!this.callback) {
			res.writeHead(503).end('not yet');
			return;
		}
		const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url);
		if (!m)
			return this.callback(req, res);
		try {
			const details = await this.provider.interactionDetails(req, res);
			if (details.prompt.name === 'consent') {
				// Consent is implied (trackd is the organisation's own).
				const grant = details.grantId
					? await this.provider.Grant.find(details.grantId)
					: new this.provider.Grant({ accountId: details.session.accountId,
						clientId: details.params.client_id });
				const d = details.prompt.details;
				if (d.missingOIDCScope)
					grant.addOIDCScope(d.missingOIDCScope.join(' '));
				if (d.missingOIDCClaims)
					grant.addOIDCClaims(d.missingOIDCClaims);
				for (const [r, sc] of Object.entries(d.missingResourceScopes || {}))
					grant.addResourceScope(r, sc.join(' '));
				await this.provider.interactionFinished(req, res,
					{ consent: { grantId: await grant.save() } },
					{ mergeWithLastSubmission: true });
				return;
			}
			if (req.method === 'GET') {
				res.writeHead(200, { 'content-type': 'text/html; charset=utf-8',
					'cache-control': 'no-store' }).end(loginPage(details.uid));
				return;
			}
			const form = await body(req);
			const login = form.get('login');
			const u = this.users[login];
			if (!u || u.password !== form.get('password')) {
				res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
					.end(loginPage(details.uid, 'Wrong login or password.'));
				return;
			}
			await this.provider.interactionFinished(req, res,
				{ login: { accountId: login } }, { mergeWithLastSubmission: false });
		} catch (e) {
			res.writeHead(400).end(String(e.message));
		}
	}

	async close() {
		await new Promise((r) => this.server.close(r));
		this.server.closeAllConnections?.();
	}
}

// A cookie jar and redirects by hand, as a browser would: GET url and
// follow every redirect until one goes to a URL stop(url) is true of, or
// that starts with stop (returned as { stopped }, not fetched), or a page
// that is not a redirect (returned as { status, page, url }). login: filled
// into the provider's form when it shows. setCookies: every Set-Cookie
// header seen, with the host that sent it.
export async function browse(url, { stop, login, password, jar = new Map() } = {}) {
	const setCookies = [];
	const stopAt = typeof stop === 'function' ? stop
		: (u) => stop !== undefined && u.startsWith(stop);
	const send = (u, init = {}) => {
		const cookie = [...jar].filter(([k]) => k.startsWith(new URL(u).host + ' '))
			.map(([k, v]) => `${k.split(' ')[1]}=${v}`).join('; ');
		return fetch(u, { ...init, redirect: 'manual',
			headers: { ...(init.headers || {}), ...(cookie ? { cookie } : {}) } });
	};
	const keep = (u, res) => {
		for (const c of res.headers.getSetCookie()) {
			setCookies.push({ host: new URL(u).host, cookie: c });
			const [pair] = c.split(';');
			const i = pair.indexOf('=');
			const name = pair.slice(0, i), value = pair.slice(i + 1);
			const key = `${new URL(u).host} ${name}`;
			if (value === '' || /max-age=0/i.test(c))
				jar.delete(key);
			else
				jar.set(key, value);
		}
	};
	let res = await send(url);
	for (let hops = 0; hops < 20; hops++) {
		keep(url, res);
		const loc = res.headers.get('location');
		if (res.status >= 300 && res.status < 400 && loc) {
			const next = new URL(loc, url).href;
			if (stopAt(next))
				return { stopped: next, jar, setCookies };
			url = next;
			res = await send(url);
			continue;
		}
		const page = await res.text();
		const form = /action="(\/interaction\/[\w-]+\/login)"/.exec(page);
		if (form && login && !page.includes('Wrong login')) {
			const action = new URL(form[1], url).href;
			res = await send(action, { method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ login, password }).toString() });
			url = action;
			continue;
		}
		return { status: res.status, page, url, jar, setCookies,
			type: res.headers.get('content-type') || '' };
	}
	throw new Error('too many redirects');
}

// A JWT access token for trackd's API (audience resource), for login:
// the code flow of api-client with PKCE, by hand.
export async function accessToken(p, login, password, resource = API_AUDIENCE) {
	const verifier = randomBytes(32).toString('base64url');
	const { createHash } = await import('node:crypto');
	const challenge = createHash('sha256').update(verifier).digest('base64url');
	const q = new URLSearchParams({ client_id: API_CLIENT, response_type: 'code',
		scope: 'openid api', redirect_uri: API_REDIRECT, resource,
		code_challenge: challenge, code_challenge_method: 'S256',
		state: randomBytes(8).toString('hex') });
	const r = await browse(`${p.issuer}/auth?${q}`, { stop: API_REDIRECT, login, password });
	if (!r.stopped)
		throw new Error(`no code for ${login}: ${r.status} ${r.page}`);
	const code = new URL(r.stopped).searchParams.get("code");
	if (!code)
		throw new Error(`no code for ${login}: ${r.stopped}`);
	const res = await fetch(`${p.issuer}/token`, { method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'authorization_code', code,
			redirect_uri: API_REDIRECT, code_verifier: verifier, resource,
			client_id: API_CLIENT, client_secret: API_SECRET }).toString() });
	const doc = await res.json();
	if (!doc.access_token)
		throw new Error(`no access token: ${JSON.stringify(doc)}`);
	return doc.access_token;
}
