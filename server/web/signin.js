// The sign-in form: shown when the server asks for a token (401). People
// sign in with the organisation's identity provider when trackd has one
// (a session cookie, set by trackd); machines and wall screens keep their
// token for this tab, and the page starts again.
import { getToken, setToken } from './api.js';

// The sign-in methods trackd offers; null when it cannot say.
async function methods() {
	try {
		const res = await fetch(new URL('api/v1/auth/methods', document.baseURI));
		return res.ok ? await res.json() : null;
	} catch {
		return null;
	}
}

// The provider's button, on top of the token form.
function ssoButton(dlg, oidc) {
	let p = dlg.querySelector('.signin-sso');
	if (!p) {
		p = document.createElement('p');
		p.className = 'signin-sso';
		const a = document.createElement('a');
		a.className = 'button primary';
		p.append(a);
		const or = document.createElement('p');
		or.className = 'signin-or muted';
		or.textContent = 'or, for a wall screen or a machine:';
		dlg.querySelector('.signin-msg').after(p, or);
	}
	const a = p.querySelector('a');
	const back = location.pathname + location.hash;
	a.textContent = `Sign in with ${oidc.name}`;
	a.href = new URL(`${oidc.login}?return=${encodeURIComponent(back)}`,
		document.baseURI).href;
	if (!oidc.ready)
		a.title = `The identity provider is not reachable yet: ${oidc.error || ''}`;
}

// Straight to the identity provider, coming back to back (a path and a
// fragment of this page): for a page handed on by another instance of a
// pair, whose person the provider still knows. false when trackd has no
// provider (the caller shows the form instead).
export async function signInWithProvider(back) {
	const m = await methods();

	if (!m?.oidc?.ready)
		return false;
	location.assign(new URL(`${m.oidc.login}?return=${encodeURIComponent(back)}`,
		document.baseURI).href);
	return true;
}

export async function showSignIn(message) {
	const dlg = document.getElementById('signin');
	const form = dlg.querySelector('form');
	const m = await methods();
	dlg.querySelector('.signin-msg').textContent = message ||
		(m?.oidc ? 'Sign in to see the map.' : 'This server needs an access token.');
	if (m?.oidc)
		ssoButton(dlg, m.oidc);
	// Escape would close the dialog and leave an empty page: signing in
	// is the only way on.
	dlg.oncancel = (ev) => ev.preventDefault();
	form.onsubmit = (ev) => {
		ev.preventDefault();
		setToken(form.elements.token.value.trim());
		location.reload();
	};
	if (!dlg.open)
		dlg.showModal();
	if (!m?.oidc)
		form.elements.token.focus();
}

// Sign-out: the token forgotten, and a session ended at trackd (its cookie
// no longer works anywhere, not only in this tab).
export async function signOut() {
	const token = getToken();
	setToken(null);
	if (!token) {
		try {
			await fetch(new URL('api/v1/auth/signout', document.baseURI),
				{ method: 'POST' });
		} catch { /* the page shows the sign-in anyway */ }
	}
	location.reload();
}

// Whether the Sign out button applies: a token, or a session.
export const signedIn = (me) => Boolean(getToken() || me?.session);

// A 401 from any call means the token or session is missing, wrong or
// ended.
export function watchUnauthorized() {
	document.addEventListener('trackd:unauthorized',
		() => showSignIn('You were signed out, or your token was refused. Sign in again.'));
}
