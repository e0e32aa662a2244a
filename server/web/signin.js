// The sign-in form: shown when the server asks for a token (401), it keeps
// the token for this tab and starts the page again.
import { setToken } from './api.js';

export function showSignIn(message) {
	const dlg = document.getElementById('signin');
	const form = dlg.querySelector('form');
	dlg.querySelector('.signin-msg').textContent = message ||
		'This server needs an access token.';
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
	form.elements.token.focus();
}

export function signOut() {
	setToken(null);
	location.reload();
}

// A 401 from any call means the token is missing, wrong or expired.
export function watchUnauthorized() {
	document.addEventListener('trackd:unauthorized',
		() => showSignIn('Your token was refused. Sign in again.'));
}
