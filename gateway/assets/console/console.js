// Updraft console: plain JavaScript over HTTP API v1, no framework, no build step.
//
// The developer token lives in sessionStorage (this tab only). Everything the API
// returns is put on the page with textContent, never parsed as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'updraft.token';
  const USER_KEY = 'updraft.username';
  const POLL_MS = 3000;
  const BUCKET_SECONDS = 10;
  const BUCKETS = 60;
  const SCALING_SAMPLES = 200;
  const LOG_LINES = 500;
  const COLORS = { calls: '#2459c9', errors: '#b3261e', mean: '#1e7a3c', max: '#c77700', machines: '#6a3fb5', instances: '#2459c9' };

  const $ = (id) => document.getElementById(id);
  const state = { selected: null, logAbort: null, timer: null, samples: [] };

  // ---- HTTP -------------------------------------------------------------------

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Calls the API; returns { status, data }. A 401 signs the user out. */
  async function api(method, path, body) {
    const headers = { authorization: `Bearer ${token()}` };
    const init = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.status === 401 && path !== '/v1/tokens') {
      signOut('Your session has expired; sign in again.');
    }
    return { status: response.status, data };
  }

  function errorText(result) {
    return (result.data && result.data.error && result.data.error.message) || `HTTP ${result.status}`;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const fnPath = (sel) => `/v1/apps/${encodeURIComponent(sel.app)}/functions/${encodeURIComponent(sel.fn)}`;

  // ---- DOM helpers ------------------------------------------------------------

  /** Creates an element with attributes and children (strings become text). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'onclick') node.addEventListener('click', value);
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  function bytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  }

  // ---- Sign-in ------------------------------------------------------------------

  async function signIn(event) {
    event.preventDefault();
    const username = $('login-username').value;
    const password = $('login-password').value;
    $('login-error').textContent = '';
    $('login-submit').disabled = true;
    try {
      const response = await fetch('/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      const data = await response.json().catch(() => null);
      if (!response.ok || !data || !data.token) {
        $('login-error').textContent = (data && data.error && data.error.message) || `Sign-in failed (HTTP ${response.status})`;
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, data.token);
      sessionStorage.setItem(USER_KEY, username);
      $('login-password').value = '';
      showDashboard();
    } catch (error) {
      $('login-error').textContent = `Sign-in failed: ${error.message}`;
    } finally {
      $('login-submit').disabled = false;
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    stopTail();
    clearInterval(state.timer);
    state.timer = null;
    state.selected = null;
    state.samples = [];
    $('dashboard').hidden = true;
    $('function').hidden = true;
    $('logout').hidden = true;
    $('whoami').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = typeof message === 'string' ? message : '';
  }

  function showDashboard() {
    $('login').hidden = true;
    $('dashboard').hidden = false;
    $('logout').hidden = false;
    $('whoami').hidden = false;
    $('whoami').textContent = `Signed in as ${sessionStorage.getItem(USER_KEY) || 'developer'}`;
    loadApps();
    poll();
    clearInterval(state.timer);
    state.timer = setInterval(poll, POLL_MS);
  }

  // ---- Apps and functions -------------------------------------------------------

  async function loadApps() {
    const container = $('apps');
    const apps = await api('GET', '/v1/apps');
    if (apps.status !== 200) {
      container.replaceChildren(el('p', { class: 'error', text: errorText(apps) }));
      return;
    }
    if (apps.data.apps.length === 0) {
      container.replaceChildren(el('p', { class: 'muted', text: 'No apps yet: create one with POST /v1/apps.' }));
      return;
    }
    const sections = await Promise.all(apps.data.apps.map((app) => appSection(app.name)));
    container.replaceChildren(...sections);
  }

  async function appSection(app) {
    const result = await api('GET', `/v1/apps/${encodeURIComponent(app)}/functions`);
    const section = el('section', { 'data-testid': 'app', 'data-app': app }, el('h3', { class: 'app-name', text: app }));
    if (result.status !== 200) {
      section.append(el('p', { class: 'error', text: errorText(result) }));
      return section;
    }
    if (result.data.functions.length === 0) {
      section.append(el('p', { class: 'muted', text: 'No functions deployed yet.' }));
      return section;
    }
    const head = el('tr', {}, ...['Function', 'Revision', 'Size', 'Auth', 'URL', ''].map((h) => el('th', { scope: 'col', text: h })));
    const rows = result.data.functions.map((f) => functionRow(f));
    section.append(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
    return section;
  }

  function functionRow(f) {
    const settings = f.settings || {};
    const auth = settings.auth === 'user' && settings.roles && settings.roles.length
      ? `user (${settings.roles.join(', ')})` : (settings.auth || 'public');
    const selected = state.selected && state.selected.app === f.app && state.selected.fn === f.function;
    const open = el('button', {
      type: 'button', class: 'secondary', 'data-testid': 'open-function',
      'aria-label': `Open ${f.app}/${f.function}`, onclick: () => selectFunction(f.app, f.function),
    }, 'Open');
    return el('tr', { 'data-testid': 'function-row', 'data-app': f.app, 'data-function': f.function, class: selected ? 'selected' : '' },
      el('td', {}, el('strong', { text: f.function })),
      el('td', { 'data-testid': 'function-revision', text: f.revision }),
      el('td', { text: bytes(f.size || 0) }),
      el('td', { 'data-testid': 'function-auth', text: auth }),
      el('td', {}, el('code', { text: f.url })),
      el('td', {}, open));
  }

  function selectFunction(app, fn) {
    state.selected = { app, fn };
    for (const row of document.querySelectorAll('[data-testid="function-row"]')) {
      row.classList.toggle('selected', row.dataset.app === app && row.dataset.function === fn);
    }
    $('function').hidden = false;
    $('function-title').textContent = `${app}/${fn}`;
    $('invoke-status').textContent = '–';
    $('invoke-id').textContent = '–';
    $('invoke-body-out').textContent = '';
    for (const id of ['stat-calls', 'stat-errors', 'stat-cold']) $(id).textContent = '0';
    $('log-tail').replaceChildren();
    startTail(state.selected);
    refreshStats();
    loadDeadLetters();
    $('function').scrollIntoView({ block: 'start' });
  }

  // ---- Invoke -------------------------------------------------------------------

  async function invoke(event) {
    event.preventDefault();
    const sel = state.selected;
    if (!sel) return;
    const method = $('invoke-method').value;
    let rest = $('invoke-path').value.trim();
    if (rest && !rest.startsWith('/') && !rest.startsWith('?')) rest = `/${rest}`;
    const init = { method };
    if (method !== 'GET') init.body = $('invoke-body').value;
    $('invoke-button').disabled = true;
    $('invoke-status').textContent = '…';
    try {
      // Same origin as the console: the function URL the API shows may name another host.
      const response = await fetch(`/fn/${encodeURIComponent(sel.app)}/${encodeURIComponent(sel.fn)}${rest}`, init);
      const text = await response.text();
      $('invoke-status').textContent = `${response.status} ${response.statusText}`.trim();
      $('invoke-id').textContent = response.headers.get('x-updraft-invocation-id') || '–';
      $('invoke-body-out').textContent = text;
    } catch (error) {
      $('invoke-status').textContent = `failed: ${error.message}`;
    } finally {
      $('invoke-button').disabled = false;
      refreshStats();
    }
  }

  // ---- Polling: stats and scaling -------------------------------------------------

  function poll() {
    refreshStats();
    refreshScaling();
  }

  async function refreshStats() {
    const sel = state.selected;
    if (!sel) return;
    const result = await api('GET', `${fnPath(sel)}/stats`);
    if (result.status !== 200 || state.selected !== sel) return;
    const stats = result.data;
    $('stat-calls').textContent = stats.calls;
    $('stat-errors').textContent = stats.errors;
    $('stat-cold').textContent = stats.cold_starts;
    const slots = timeline(stats.history || []);
    drawChart($('rate-chart'), { kind: 'bars', unit: 'calls per 10 s', span: '10 min ago', series: [
      { label: 'calls', color: COLORS.calls, values: slots.map((b) => (b ? b.calls : 0)) },
      { label: 'errors', color: COLORS.errors, values: slots.map((b) => (b ? b.errors : 0)) },
    ] });
    drawChart($('latency-chart'), { kind: 'lines', unit: 'latency, ms', span: '10 min ago', series: [
      { label: 'mean', color: COLORS.mean, values: slots.map((b) => (b ? b.mean_ms : null)) },
      { label: 'max', color: COLORS.max, values: slots.map((b) => (b ? b.max_ms : null)) },
    ] });
  }

  /** The last ten minutes as 60 slots of 10 s (null where nothing was called). */
  function timeline(history) {
    const byStart = new Map(history.map((b) => [b.start, b]));
    const now = Math.floor(Date.now() / 1000);
    const lastSeen = history.length ? history[history.length - 1].start : 0;
    const end = Math.max(now - (now % BUCKET_SECONDS), lastSeen);
    const slots = [];
    for (let i = BUCKETS - 1; i >= 0; i -= 1) slots.push(byStart.get(end - i * BUCKET_SECONDS) || null);
    return slots;
  }

  async function refreshScaling() {
    const result = await api('GET', '/v1/scaling/decisions?limit=20');
    if (result.status !== 200) return;
    const { machines = [], functions = [], decisions = [] } = result.data;
    const sum = (key) => functions.reduce((total, f) => total + (f[key] || 0), 0);
    $('scale-machines').textContent = machines.length;
    $('scale-instances').textContent = sum('instances');
    $('scale-inflight').textContent = sum('in_flight');
    $('scale-queued').textContent = sum('queue_depth');
    state.samples.push({ machines: machines.length, instances: sum('instances') });
    if (state.samples.length > SCALING_SAMPLES) state.samples.shift();
    // Fixed slots, newest right: the chart scrolls left as samples arrive.
    const padding = Array(SCALING_SAMPLES - state.samples.length).fill(null);
    const minutes = Math.round((SCALING_SAMPLES * POLL_MS) / 60000);
    drawChart($('scaling-chart'), { kind: 'lines', unit: `sampled every ${POLL_MS / 1000} s`, span: `${minutes} min ago`, series: [
      { label: 'machines', color: COLORS.machines, values: padding.concat(state.samples.map((s) => s.machines)) },
      { label: 'instances', color: COLORS.instances, values: padding.concat(state.samples.map((s) => s.instances)) },
    ] });
    const rows = decisions.map((d) => el('tr', {},
      el('td', { text: new Date(d.time).toLocaleTimeString() }),
      el('td', { text: d.kind }),
      el('td', { text: d.function ? `${d.function.app}/${d.function.function}` : '–' }),
      el('td', { text: d.machine || '–' }),
      el('td', { text: `${d.from} → ${d.to}` }),
      el('td', { text: d.reason })));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No decisions yet.' })));
    $('decisions').replaceChildren(...rows);
  }

  // ---- Charts -------------------------------------------------------------------

  /**
   * Draws series of numbers (null = no data) over fixed slots, oldest left, as grouped
   * bars or as lines with a dot per point, with a legend, a y scale and the time span.
   */
  function drawChart(canvas, { kind, series, unit, span }) {
    const ctx = canvas.getContext('2d');
    const { width, height } = canvas;
    const pad = { left: 40, right: 8, top: 20, bottom: 16 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const count = Math.max(1, ...series.map((s) => s.values.length));
    const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
    const x = (i) => pad.left + (plotW * (i + 0.5)) / count;
    const y = (v) => pad.top + plotH * (1 - v / top);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#d9dde5';
    ctx.fillStyle = '#5b6475';
    for (const fraction of [0, 0.5, 1]) {
      const gridY = pad.top + plotH * (1 - fraction);
      ctx.beginPath();
      ctx.moveTo(pad.left, gridY);
      ctx.lineTo(width - pad.right, gridY);
      ctx.stroke();
      ctx.fillText(formatNumber(top * fraction), 4, gridY);
    }
    ctx.fillText(span, pad.left, height - 7);
    ctx.textAlign = 'right';
    ctx.fillText('now', width - pad.right, height - 7);
    ctx.fillText(unit, width - pad.right, 10);
    ctx.textAlign = 'left';
    series.forEach((s, index) => {
      ctx.fillStyle = s.color;
      ctx.strokeStyle = s.color;
      if (kind === 'bars') {
        const barW = Math.max(1, plotW / count / series.length - 1);
        s.values.forEach((v, i) => {
          const left = pad.left + (plotW * i) / count + index * barW;
          if (v) ctx.fillRect(left, y(v), barW, pad.top + plotH - y(v));
        });
      } else {
        ctx.lineWidth = 2;
        ctx.beginPath();
        let drawing = false;
        s.values.forEach((v, i) => {
          if (v === null) { drawing = false; return; }
          if (drawing) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
          drawing = true;
        });
        ctx.stroke();
        ctx.lineWidth = 1;
        s.values.forEach((v, i) => {
          if (v !== null) ctx.fillRect(x(i) - 2, y(v) - 2, 4, 4);
        });
      }
      const legendX = pad.left + index * 90;
      ctx.fillRect(legendX, 5, 10, 10);
      ctx.fillStyle = '#1d2330';
      ctx.fillText(s.label, legendX + 14, 10);
    });
  }

  function niceMax(value) {
    if (value <= 0) return 1;
    const magnitude = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= value);
  }

  function formatNumber(value) {
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  // ---- Live log tail (SSE over fetch: EventSource cannot send Authorization) ---------

  function stopTail() {
    if (state.logAbort) state.logAbort.abort();
    state.logAbort = null;
  }

  function startTail(sel) {
    stopTail();
    const abort = new AbortController();
    state.logAbort = abort;
    tail(sel, abort.signal);
  }

  async function tail(sel, signal) {
    let lastId = 0;
    const onEvent = (event) => {
      if (event.type !== 'log') return;
      const id = Number(event.id || 0);
      if (id && id <= lastId) return; // already shown before a reconnect
      lastId = Math.max(lastId, id);
      try { appendLog(JSON.parse(event.data)); } catch { /* not JSON: ignore */ }
    };
    while (!signal.aborted) {
      try {
        const response = await fetch(`${fnPath(sel)}/logs?follow=true&limit=50`, {
          headers: { authorization: `Bearer ${token()}`, accept: 'text/event-stream' },
          signal,
        });
        if (response.status === 401) { signOut('Your session has expired; sign in again.'); return; }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        $('log-state').textContent = '(live)';
        await readEvents(response.body, onEvent);
      } catch (error) {
        if (signal.aborted) return;
        $('log-state').textContent = `(disconnected: ${error.message}; retrying)`;
      }
      if (!signal.aborted) await sleep(2000);
    }
  }

  /** Parses a text/event-stream body per the HTML spec, calling onEvent per event. */
  async function readEvents(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let event = { type: 'message', data: [], id: '' };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A lone '\r' at the end may be half of '\r\n': wait for more.
        if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (event.data.length) onEvent({ type: event.type, data: event.data.join('\n'), id: event.id });
          event = { type: 'message', data: [], id: event.id };
          continue;
        }
        if (line.startsWith(':')) continue; // comment (keep-alive)
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) text = text.slice(1);
        if (field === 'event') event.type = text;
        else if (field === 'data') event.data.push(text);
        else if (field === 'id') event.id = text;
      }
    }
  }

  function appendLog(record) {
    const list = $('log-tail');
    const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    const time = new Date(record.time).toLocaleTimeString();
    list.append(el('li', { class: `level-${record.level}`, 'data-testid': 'log-line' },
      el('span', { class: 'time', text: `${time} ` }),
      `${record.level.toUpperCase()} ${record.message}`));
    while (list.childElementCount > LOG_LINES) list.firstElementChild.remove();
    if (stick) list.scrollTop = list.scrollHeight;
  }

  // ---- Dead letters ---------------------------------------------------------------

  async function loadDeadLetters() {
    const sel = state.selected;
    if (!sel) return;
    const result = await api('GET', `${fnPath(sel)}/deadletters`);
    if (state.selected !== sel) return;
    if (result.status !== 200) {
      $('dead-message').textContent = errorText(result);
      return;
    }
    const items = result.data.deadletters;
    $('dead-message').textContent = items.length ? '' : 'No dead letters.';
    $('deadletters').replaceChildren(...items.map((d) => el('tr', { 'data-testid': 'deadletter' },
      el('td', {}, el('code', { text: d.invocation_id })),
      el('td', { text: d.attempts }),
      el('td', { text: d.error || '' }),
      el('td', { text: new Date(d.dead_lettered_at).toLocaleString() }),
      el('td', {}, el('button', {
        type: 'button', 'data-testid': 'replay', 'aria-label': `Replay ${d.invocation_id}`,
        onclick: () => replay(sel, d.invocation_id),
      }, 'Replay')))));
  }

  async function replay(sel, id) {
    const result = await api('POST', `${fnPath(sel)}/deadletters/${encodeURIComponent(id)}/replay`);
    $('dead-message').textContent = result.status === 202
      ? `Replayed: queued as invocation ${result.data.invocation_id}.`
      : `Replay failed: ${errorText(result)}`;
    const message = $('dead-message').textContent;
    await loadDeadLetters();
    $('dead-message').textContent = message;
  }

  // ---- Start ----------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', signIn);
    $('logout').addEventListener('click', () => signOut());
    $('invoke-form').addEventListener('submit', invoke);
    $('refresh-apps').addEventListener('click', loadApps);
    $('refresh-dead').addEventListener('click', loadDeadLetters);
    if (token()) showDashboard(); else $('login-username').focus();
  });
})();
