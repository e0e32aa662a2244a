// The search box: a name or an id, the site's matching tags as a list;
// Enter takes the highlighted (or first) one, Escape closes the list.
import { enc, getJson } from './api.js';

export function setupSearch({ input, list, status, filter, onChoose }) {
	let results = [];
	let active = -1;
	let timer = null;
	let asked = 0;

	const close = () => {
		list.hidden = true;
		input.setAttribute('aria-expanded', 'false');
		active = -1;
	};

	function show() {
		list.replaceChildren();
		results.forEach((t, i) => {
			const li = document.createElement('li');
			li.id = `result-${i}`;
			li.setAttribute('role', 'option');
			li.className = `kind-${t.kind}` + (i === active ? ' active' : '');
			li.setAttribute('aria-selected', String(i === active));
			const name = document.createElement('span');
			name.textContent = t.name || t.id;
			const id = document.createElement('small');
			id.textContent = `${t.id} · ${t.category || t.kind}`;
			li.append(name, id);
			li.onmousedown = (ev) => { // before the input loses focus
				ev.preventDefault();
				choose(i);
			};
			list.append(li);
		});
		list.hidden = results.length === 0;
		input.setAttribute('aria-expanded', String(!list.hidden));
		if (active >= 0)
			input.setAttribute('aria-activedescendant', `result-${active}`);
		else
			input.removeAttribute('aria-activedescendant');
	}

	async function lookUp() {
		const q = input.value.trim();
		const mine = ++asked;
		if (!q) {
			results = [];
			status.textContent = '';
			close();
			return results;
		}
		try {
			const { tags } = await getJson(`api/v1/search?q=${enc(q)}`);
			if (mine !== asked)
				return results;
			results = tags.filter(filter).slice(0, 12);
			status.textContent = results.length ? '' : `Nothing matches “${q}”.`;
		} catch (e) {
			results = [];
			status.textContent = `Search failed: ${e.message}`;
		}
		active = -1;
		show();
		return results;
	}

	function choose(i) {
		const t = results[i];
		if (!t)
			return;
		input.value = t.name || t.id;
		close();
		onChoose(t);
	}

	input.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(lookUp, 200);
	});
	input.addEventListener('keydown', async (ev) => {
		if (ev.key === 'Enter') {
			ev.preventDefault();
			clearTimeout(timer);
			if (active < 0)
				await lookUp();
			choose(active >= 0 ? active : 0);
		} else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
			ev.preventDefault();
			if (!results.length)
				return;
			const d = ev.key === 'ArrowDown' ? 1 : -1;
			active = (active + d + results.length) % results.length;
			show();
		} else if (ev.key === 'Escape') {
			close();
		}
	});
	input.addEventListener('blur', () => setTimeout(close, 150));
	input.form?.addEventListener('submit', (ev) => ev.preventDefault());
}
