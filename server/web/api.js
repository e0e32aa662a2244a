// REST calls to trackd, with the bearer token when there is one, and what
// the caller's role may see.
const KEY = 'trackd.token';

export class HttpError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

// A wall screen can start signed in from ?token=; the token moves to
// sessionStorage and leaves the address bar (and the history).
export function takeTokenFromUrl() {
	const url = new URL(location.href);
	if (!url.searchParams.has('token'))
		return;
	const t = url.searchParams.get('token');
	if (t)
		sessionStorage.setItem(KEY, t);
	url.searchParams.delete('token');
	history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}

export const getToken = () => sessionStorage.getItem(KEY);
export function setToken(t) {
	if (t)
		sessionStorage.setItem(KEY, t);
	else
		sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
	const t = getToken();
	return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

// fetch() relative to the page, so that trackd may sit under a prefix.
export async function request(path, opts = {}) {
	const res = await fetch(new URL(path, document.baseURI), {
		...opts, headers: headers(opts.headers),
	});
	if (!res.ok) {
		let detail = res.statusText;
		try {
			const body = await res.json();
			detail = body.detail ? `${body.error}: ${body.detail}` : body.error;
		} catch { /* not JSON */ }
		if (res.status === 401)
			document.dispatchEvent(new CustomEvent('trackd:unauthorized'));
		throw new HttpError(res.status, detail);
	}
	return res;
}

export const getJson = async (path) => (await request(path)).json();

export async function postJson(path, body) {
	const res = await request(path, {
		method: 'POST', body: JSON.stringify(body),
		headers: { 'Content-Type': 'application/json' },
	});
	return res.json();
}

// A resource as a data: URL (the page's policy allows data: images, and an
// <img> could not send the token).
export async function getDataUrl(path) {
	const blob = await (await request(path)).blob();
	return new Promise((resolve, reject) => {
		const r = new FileReader();
		r.onload = () => resolve(r.result);
		r.onerror = () => reject(r.error);
		r.readAsDataURL(blob);
	});
}

// Save a response as a file (CSV downloads carry the token too).
export async function download(path, filename) {
	const blob = await (await request(path)).blob();
	const a = document.createElement('a');
	a.href = URL.createObjectURL(blob);
	a.download = filename;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// Who the caller is. An older trackd without /whoami has no sign-in at all.
export async function whoami() {
	try {
		return await getJson('api/v1/whoami');
	} catch (e) {
		if (e.status === 404)
			return { role: 'admin', name: null, auth_required: false };
		throw e;
	}
}

// What each role may see (the server enforces it; this only hides).
export const may = {
	people: (role) => ['security', 'responder', 'admin'].includes(role),
	assets: (role) => ['viewer', 'security', 'responder', 'admin'].includes(role),
	alarms: (role) => ['security', 'responder', 'admin'].includes(role),
	reports: (role) => ['manager', 'admin'].includes(role),
	// Stored tracks: a responder locates, but may not look back.
	history: (role) => ['viewer', 'security', 'admin'].includes(role),
};

export const enc = encodeURIComponent;
