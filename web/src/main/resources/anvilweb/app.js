// anvilweb's page: one EventSource for everything live (the table, every event, and the log,
// reply and screen of the selected session); fetch for actions. No framework, no build step.
'use strict';

const $ = (sel) => document.querySelector(sel);
const readOnly = document.body.dataset.readOnly === 'true';
const LOG_KEEP = 256 * 1024;

const rows = new Map(); // id -> <tr>, in list order
let sessions = new Map(); // id -> session
let usage = new Map(); // id -> what its process tree uses (agent/stats), read every few seconds
let selected = decodeURIComponent(location.hash.slice(1)) || null;
let stream = null;
let lastTableAt = 0;

if (readOnly) document.body.classList.add('ro');

// ---- talking to anvilweb -------------------------------------------------------------------

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, opts);
  } catch (e) {
    throw new Error('anvilweb is not answering: ' + e.message);
  }
  if (r.status === 204) return null;
  const j = await r.json().catch(() => ({ error: r.status + ' ' + r.statusText }));
  if (!r.ok) throw new Error(j.error || String(r.status));
  return j;
}

const sessionPath = (id, rest) => '/api/sessions/' + encodeURIComponent(id) + (rest ? '/' + rest : '');

function say(text, error) {
  const s = $('#status');
  s.textContent = text;
  s.classList.toggle('error', !!error);
}

function banner(text) {
  const b = $('#banner');
  b.textContent = text || '';
  b.hidden = !text;
}

let daemonProblem = null;
let webProblem = null;
function showProblems() {
  banner(webProblem || (daemonProblem ? 'Daemon unreachable: ' + daemonProblem + ' — the page recovers by itself when it is back.' : null));
}

function connect() {
  if (stream) stream.close();
  const url = '/api/events' + (selected ? '?watch=' + encodeURIComponent(selected) : '');
  const es = new EventSource(url);
  stream = es;
  es.addEventListener('open', () => { webProblem = null; showProblems(); });
  es.addEventListener('error', () => {
    if (es !== stream) return;
    if (es.readyState === EventSource.CLOSED) {
      webProblem = 'anvilweb refused this page (it was restarted with a new token?): open the URL it printed; `anvilweb url` prints it again.';
    } else {
      webProblem = 'anvilweb is not answering; reconnecting…';
    }
    showProblems();
  });
  const on = (name, f) => es.addEventListener(name, (m) => { if (es === stream) f(JSON.parse(m.data)); });
  on('table', table);
  on('session', (s) => upsert(s, true));
  on('gone', (g) => remove(g.id));
  on('event', event);
  on('stats', stats);
  on('log', (t) => { if (t.id === selected) appendLog(t.text, t.reset); });
  on('end', (t) => { if (t.id === selected) appendLog('\n(' + t.error + ')\n', false); });
  on('reply', (t) => { if (t.id === selected) $('#reply').textContent = t.error ? '(' + t.error + ')' : (t.text || '(no reply yet)'); });
  on('screen', (t) => { if (t.id === selected) $('#screen').textContent = t.error ? '(' + t.error + ')' : (t.text.replace(/\s+$/, '') || '(blank screen)'); });
}

// ---- the table ------------------------------------------------------------------------------

function table(t) {
  daemonProblem = t.connected ? null : t.problem;
  showProblems();
  const keep = new Set(t.sessions.map((s) => s.id));
  for (const id of [...rows.keys()]) if (!keep.has(id)) remove(id);
  for (const s of t.sessions) upsert(s, false);
  // list order: the daemon's (oldest first). Only rows out of place move: a row moved in the DOM
  // loses the keyboard's focus, which is given back if it did.
  const body = $('#sessions tbody');
  const focused = document.activeElement;
  let at = body.firstElementChild;
  for (const s of t.sessions) {
    const tr = rows.get(s.id);
    if (tr === at) at = at.nextElementSibling;
    else body.insertBefore(tr, at);
  }
  if (focused && focused !== document.activeElement && focused.isConnected) focused.focus();
  lastTableAt = Date.now();
  afterChange();
}

function cell(tr, cls, text) {
  let td = tr.querySelector('td.' + cls);
  if (!td) {
    td = document.createElement('td');
    td.className = cls;
    tr.appendChild(td);
  }
  if (text !== null && td.textContent !== text) td.textContent = text;
  return td;
}

// a directory that may break after each slash (<wbr>), not in the middle of a name
function pathCell(td, path) {
  path = path || "";
  if (td.textContent === path) return;
  td.textContent = '';
  path.split(/(?<=\/)/).forEach((part, i) => {
    if (i > 0) td.appendChild(document.createElement('wbr'));
    td.appendChild(document.createTextNode(part));
  });
}

function upsert(s, alone) {
  sessions.set(s.id, s);
  let tr = rows.get(s.id);
  if (!tr) {
    tr = document.createElement('tr');
    tr.tabIndex = -1; // one row at a time is a Tab stop (tabStops)
    tr.dataset.id = s.id;
    rows.set(s.id, tr);
    $('#sessions tbody').appendChild(tr);
  }
  cell(tr, 'alias', s.alias || '—');
  cell(tr, 'id', s.id);
  let state = tr.querySelector('td.state');
  if (!state) {
    state = tr.appendChild(document.createElement('td'));
    state.className = 'state';
    state.appendChild(document.createElement('span'));
  }
  const badge = state.firstChild;
  badge.className = 'badge s-' + s.state;
  badge.textContent = s.state === 'waiting' ? 'waiting — needs you' : s.state;
  cell(tr, 'backend', s.backend || '…');
  pathCell(cell(tr, 'cwd', null), s.cwd);
  cell(tr, 'pid', s.pid ? String(s.pid) : '—');
  usageCells(tr, s);
  tr.classList.toggle('waiting', s.state === 'waiting');
  tr.dataset.state = s.state;
  if (alone) afterChange();
}

// CPU and memory of a running session's process tree; a dash when nothing runs or not read yet
function usageCells(tr, s) {
  const u = s.pid ? usage.get(s.id) : null;
  const running = u && u.processes > 0;
  cell(tr, 'cpu', running ? cpuText(u.cpu) : '—');
  cell(tr, 'mem', running ? bytesText(u.memory) : '—');
}

const cpuText = (c) => (c < 10 ? c.toFixed(1) : c.toFixed(0)) + '%';

function bytesText(b) {
  if (b < 1024 * 1024) return Math.ceil(b / 1024) + ' K';
  const m = b / (1024 * 1024);
  if (m < 10) return m.toFixed(1) + ' M';
  if (m < 1024) return m.toFixed(0) + ' M';
  return (m / 1024).toFixed(1) + ' G';
}

function stats(list) {
  usage = new Map(list.map((u) => [u.id, u]));
  for (const [id, tr] of rows) usageCells(tr, sessions.get(id));
  showDetail();
}

function remove(id) {
  const tr = rows.get(id);
  if (tr) tr.remove();
  rows.delete(id);
  sessions.delete(id);
  if (id === selected) {
    say('session ' + id + ' is gone');
    // the keyboard's place was in the panel that now hides (Kill, confirmed): back to the table
    const a = document.activeElement;
    const lost = !a || a === document.body || $('#detail').contains(a);
    select(null);
    if (lost) focusTable();
  }
  afterChange();
}

function afterChange() {
  applyFilter();
  $('#empty').hidden = rows.size > 0;
  for (const [id, tr] of rows) {
    tr.classList.toggle('selected', id === selected);
    tr.setAttribute('aria-selected', String(id === selected));
  }
  tabStops();
  showDetail();
}

// The table is one Tab stop (a roving tabindex): the row last focused, else the selected one,
// else the first shown; the arrows (and j k) move within it.
let focusRow = null;
function tabStops() {
  const shown = (id) => id && rows.has(id) && !rows.get(id).hidden;
  const first = [...$('#sessions tbody').rows].find((r) => !r.hidden);
  const stop = shown(focusRow) ? focusRow : shown(selected) ? selected : first ? first.dataset.id : null;
  for (const [id, tr] of rows) tr.tabIndex = id === stop ? 0 : -1;
}

function focusTable() {
  tabStops();
  const tr = [...rows.values()].find((r) => r.tabIndex === 0);
  (tr || $('#new')).focus();
}

function applyFilter() {
  const q = $('#filter').value.trim().toLowerCase();
  for (const [id, tr] of rows) {
    const s = sessions.get(id);
    const text = [s.id, s.alias || '', s.state, s.backend || '', s.cwd].join(' ').toLowerCase();
    tr.hidden = q !== '' && !text.includes(q);
  }
}

function event(e) {
  if (e.id !== selected) return;
  if (e.kind === 'prompt-queued' || e.kind === 'state' || e.kind === 'reply' || e.kind === 'alias') loadInfo();
  if (e.kind === 'error') say(nameOf(e.id) + ': ' + e.detail, true);
}

const nameOf = (id) => (sessions.get(id) && sessions.get(id).alias) || id;

// ---- the selected session -------------------------------------------------------------------

function select(id) {
  if (id === selected) return;
  selected = id;
  history.replaceState(null, '', id ? '#' + encodeURIComponent(id) : location.pathname);
  $('#log').textContent = '';
  $('#reply').textContent = id ? '(waiting for the last reply…)' : '';
  $('#screen').textContent = '';
  $('#queue').textContent = '';
  $('#prompt').value = '';
  afterChange();
  if (id) {
    loadInfo();
    loadContext();
  }
  connect(); // one EventSource per page: the new one follows the new selection
}

function showDetail() {
  const s = selected && sessions.get(selected);
  $('#detail').hidden = !s;
  if (!s) return;
  $('#d-name').textContent = s.alias ? s.alias + ' (' + s.id + ')' : s.id;
  const st = $('#d-state');
  st.className = 'badge s-' + s.state;
  st.textContent = s.state === 'waiting' ? 'waiting — needs you' : s.state;
  const hint = $('#d-hint');
  hint.hidden = s.state !== 'waiting';
  hint.textContent = 'A question or a permission dialog is on its screen: answer it in a terminal with `anvillm attach '
    + s.id + '`. Prompts sent meanwhile wait in the queue.';
  const u = s.pid ? usage.get(s.id) : null;
  const ports = u && u.ports.length ? ' · listening ' + u.ports.map((p) => (p.address.includes(':') ? '[' + p.address + ']' : p.address)
    + ':' + p.port + (p.exposed ? ' (beyond loopback)' : '')).join(', ') : '';
  const used = u && u.processes > 0 ? ' · ' + u.processes + (u.processes === 1 ? ' process' : ' processes') + ', ' + cpuText(u.cpu)
    + ' CPU, ' + bytesText(u.memory) + ' · ' + u.restarts + (u.restarts === 1 ? ' restart' : ' restarts') + ports : '';
  $('#d-facts').textContent = (s.backend || '…') + ' · pid ' + (s.pid || '—') + ' · ' + s.cwd + used;
}

async function loadInfo() {
  const id = selected;
  try {
    const info = await api('GET', sessionPath(id));
    if (id !== selected) return;
    $('#queue').textContent = info.queued > 0 ? info.queued + (info.queued === 1 ? ' prompt queued' : ' prompts queued') : '';
    const body = $('#info tbody');
    body.textContent = '';
    for (const [k, v] of info.facts) {
      const tr = body.insertRow();
      tr.insertCell().textContent = k;
      tr.insertCell().textContent = v;
    }
    if (document.activeElement !== $('#alias')) $('#alias').value = info.session.alias || '';
  } catch (e) {
    if (id === selected) say(e.message, true);
  }
}

async function loadContext() {
  if (readOnly) return;
  const id = selected;
  try {
    const c = await api('GET', sessionPath(id, 'context'));
    if (id === selected) $('#context').value = c.text;
  } catch (e) {
    if (id === selected) say(e.message, true);
  }
}

function appendLog(text, reset) {
  const pre = $('#log');
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  let all = reset ? text : pre.textContent + text;
  if (all.length > LOG_KEEP) all = all.slice(all.indexOf('\n', all.length - LOG_KEEP) + 1);
  pre.textContent = all;
  if (atEnd || reset) pre.scrollTop = pre.scrollHeight;
}

// ---- actions --------------------------------------------------------------------------------

async function act(what, f) {
  try {
    const done = await f();
    say(done || what + ': done');
  } catch (e) {
    say(e.message, true);
  }
}

function ctl(word) {
  const id = selected;
  return act(word, async () => {
    await api('POST', sessionPath(id, 'ctl'), { command: word });
    return nameOf(id) + ': ' + word + ' sent';
  });
}

for (const b of document.querySelectorAll('[data-ctl]')) b.addEventListener('click', () => ctl(b.dataset.ctl));

$('#kill').addEventListener('click', () => {
  $('#kill-name').textContent = nameOf(selected);
  $('#kill-dialog').showModal();
  $('#kill-cancel').focus();
});
$('#kill-cancel').addEventListener('click', () => $('#kill-dialog').close());
$('#kill-form').addEventListener('submit', () => ctl('kill'));

$('#prompt-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const id = selected;
  const text = $('#prompt').value;
  if (!text.trim()) return say('empty prompt: nothing sent', true);
  act('prompt', async () => {
    const busy = ['starting', 'running', 'waiting'].includes((sessions.get(id) || {}).state);
    await api('POST', sessionPath(id, 'prompt'), { text });
    if (id === selected) $('#prompt').value = '';
    loadInfo();
    return nameOf(id) + ': prompt ' + (busy ? 'queued (the agent is busy)' : 'sent');
  });
});
$('#prompt').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    $('#prompt-form').requestSubmit();
  }
});

$('#alias-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const id = selected;
  act('alias', async () => {
    const a = $('#alias').value.trim();
    await api('PUT', sessionPath(id, 'alias'), { alias: a });
    return a ? 'alias set: ' + a : 'alias cleared';
  });
});

$('#context-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const id = selected;
  act('context', async () => {
    await api('PUT', sessionPath(id, 'context'), { text: $('#context').value });
    return nameOf(id) + ': context saved';
  });
});

// ---- new session ----------------------------------------------------------------------------

let backends = [];
function backendNote() {
  const b = backends.find((x) => x.name === $('#new-backend').value);
  $('#new-note').textContent = b ? (b.available ? b.note : 'cannot start here: ' + b.note) : '';
}
$('#new-backend').addEventListener('change', backendNote);

$('#new').addEventListener('click', async () => {
  $('#new-error').textContent = '';
  const sel = $('#new-backend');
  try {
    backends = await api('GET', '/api/backends');
  } catch (e) {
    return say(e.message, true);
  }
  sel.textContent = '';
  for (const b of backends) {
    const o = document.createElement('option');
    o.value = b.name;
    o.textContent = b.available ? b.name : b.name + ' (unavailable)';
    o.disabled = !b.available;
    sel.appendChild(o);
  }
  const off = backends.filter((b) => !b.available);
  $('#new-unavailable').textContent = off.length ? 'Cannot start here: ' + off.map((b) => b.name + ' (' + b.note + ')').join('; ') : '';
  const first = backends.find((b) => b.available);
  if (first) sel.value = first.name;
  backendNote();
  $('#new-dialog').showModal();
  sel.focus();
});
$('#new-cancel').addEventListener('click', () => $('#new-dialog').close());
$('#new-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = { backend: $('#new-backend').value, dir: $('#new-dir').value.trim(), alias: $('#new-alias').value.trim() };
  $('#new-create').disabled = true;
  try {
    const r = await api('POST', '/api/sessions', body);
    $('#new-dialog').close();
    $('#new-alias').value = '';
    say('started ' + (body.alias || r.id) + ' (' + body.backend + ' in ' + body.dir + ')');
    select(r.id);
  } catch (e) {
    $('#new-error').textContent = e.message;
  } finally {
    $('#new-create').disabled = false;
  }
});

// ---- keyboard and selection ---------------------------------------------------------------

const tbody = $('#sessions tbody');
tbody.addEventListener('focusin', (ev) => {
  const tr = ev.target.closest('tr');
  if (!tr) return;
  focusRow = tr.dataset.id;
  tabStops();
});
tbody.addEventListener('click', (ev) => {
  const tr = ev.target.closest('tr');
  if (tr) select(tr.dataset.id);
});
tbody.addEventListener('keydown', (ev) => {
  const tr = ev.target.closest('tr');
  if (!tr) return;
  const visible = [...tbody.rows].filter((r) => !r.hidden);
  const i = visible.indexOf(tr);
  if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    select(tr.dataset.id);
  } else if ((ev.key === 'ArrowDown' || ev.key === 'j') && i + 1 < visible.length) {
    ev.preventDefault();
    visible[i + 1].focus();
  } else if ((ev.key === 'ArrowUp' || ev.key === 'k') && i > 0) {
    ev.preventDefault();
    visible[i - 1].focus();
  }
});
$('#filter').addEventListener('input', applyFilter);
document.addEventListener('keydown', (ev) => {
  if (ev.target.closest('input, textarea, select, dialog')) return;
  if (ev.key === '/') {
    ev.preventDefault();
    $('#filter').focus();
  } else if (ev.key === 'n' && !readOnly) {
    ev.preventDefault();
    $('#new').click();
  } else if (ev.key === 'p' && selected && !readOnly) {
    ev.preventDefault();
    $('#prompt').focus();
  }
});

window.anvilweb = { lastTableAt: () => lastTableAt };
if (selected) {
  loadInfo();
  loadContext();
}
connect();
