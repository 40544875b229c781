// Runnel dashboard: talks to the remote server's /v1 (JSON-RPC 2.0, docs/REMOTE.md) with a token.
// No framework; uPlot (bundled) draws the time series. Every buffer is capped, so memory stays
// flat however long the page runs; the server conflates watched values to what the page can draw.
'use strict';

(function () {
  const TOKEN_KEY = 'runnel.dashboard.token';
  const POLL_MS = 1000;          // inspect + stats
  const WATCH_RATE = 30;         // values per second the page asks the server for (maxRate)
  const WATCH_QUEUE = 64;
  const PLOT_CAP = 3000;         // points per series kept for the value plot
  const HISTORY_MAX = 20000;     // history entries fetched for one back-fill, at most
  const SAMPLES_CAP = 900;       // polled samples per lane/task (15 min at 1 Hz)
  const RECENT_CAP = 15;         // rows of the recent-values table
  const REDRAW_MS = 200;         // plots redraw at most 5 times a second

  const VIEWS = ['graph', 'values', 'lanes', 'connectors', 'write'];
  const $ = (id) => document.getElementById(id);
  const state = {
    rpc: null, hello: null, graph: null, records: new Map(), inspect: null, prevInspect: null,
    stats: null, selected: null, sub: null, latest: null, recent: [], received: 0, conflated: 0,
    missed: 0, plot: null, plotFields: [], plotX: [], plotY: [], plotDirty: false,
    samples: new Map(), latenessPlot: null, wakePlot: null, latenessSel: null, polling: false,
    graphNodes: new Map(), graphSub: null, graphChanges: 0, firstValueShown: false, firstDataShown: false, retry: 0, view: 'graph',
  };
  window.runnelDashboard = state; // for the browser tests and the curious

  // ------------------------------------------------------------------ JSON-RPC over WebSocket

  class Rpc {
    constructor(url, onNotify, onClose) {
      this.nextId = 1;
      this.pending = new Map();
      this.ws = new WebSocket(url);
      this.open = new Promise((resolve, reject) => {
        this.ws.onopen = () => resolve();
        this.ws.onerror = () => reject(new Error('cannot reach ' + url));
      });
      this.ws.onmessage = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        if (m.id === undefined) { onNotify(m.method, m.params); return; }
        if (m.id === null) { onNotify('error', m.error); return; }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new RpcError(m.error)); else p.resolve(m.result);
      };
      this.ws.onclose = (ev) => {
        for (const p of this.pending.values()) p.reject(new Error('connection closed'));
        this.pending.clear();
        onClose(ev);
      };
    }
    call(method, params) {
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params || {} }));
      });
    }
    close() { this.ws.close(1000, 'bye'); }
  }

  class RpcError extends Error {
    constructor(e) {
      super(e.message);
      this.code = e.code;
      this.data = e.data || {};
      this.reason = this.data.reason;
    }
  }

  // ------------------------------------------------------------------ connection

  function wsUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1';
  }

  // The fragment holds an optional token (never sent to the server) and the view:
  // #token=...&values. The token moves to sessionStorage and out of the address bar.
  function takeTokenFromFragment() {
    const parts = location.hash.replace(/^#/, '').split('&').filter((x) => x);
    let took = false;
    const rest = [];
    for (const x of parts) {
      if (x.startsWith('token=')) {
        sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(x.slice(6)));
        took = true;
      } else {
        rest.push(x);
      }
    }
    if (took) history.replaceState(null, '', location.pathname + location.search + (rest.length ? '#' + rest.join('&') : ''));
    return { took, view: rest.find((x) => VIEWS.includes(x)) };
  }

  function setConn(cls, text) {
    const c = $('conn');
    c.className = 'conn ' + cls;
    c.textContent = text;
  }

  function showError(text) {
    const e = $('error');
    if (!text) { e.hidden = true; e.textContent = ''; return; }
    e.hidden = false;
    e.textContent = text;
  }

  async function connect() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      setConn('conn-off', 'no token');
      showError('Enter a token: the server\'s token file holds one (or open the page with #token=…).');
      return;
    }
    if (state.rpc) { const old = state.rpc; state.rpc = null; old.close(); }
    setConn('conn-wait', 'connecting');
    const rpc = new Rpc(wsUrl(), onNotify, (ev) => onClosed(rpc, ev));
    state.rpc = rpc;
    try {
      await rpc.open;
      state.hello = await rpc.call('hello', { protocol: 1, token, client: 'runnel-dashboard' });
    } catch (e) {
      state.hello = null;
      setConn('conn-off', 'refused');
      showError('The server refused: ' + e.message + (e.reason ? ' (' + e.reason + ')' : ''));
      if (e.reason === 'unauthenticated') rpc.fatal = true;
      return;
    }
    state.retry = 0;
    showError(null);
    setConn('conn-on', state.hello.role + ' · ' + state.hello.client);
    $('pipeline').textContent = state.hello.pipeline + ' on ' + state.hello.node + ' · Runnel ' + state.hello.server;
    try {
      const [graph, recs, insp] = await Promise.all([rpc.call('graph', { format: 'json' }), rpc.call('records'), rpc.call('inspect')]);
      state.graph = graph;
      // the connectors are laid out with the graph; rates wait for two polls a second apart
      state.layoutConnectors = insp.connectors;
      state.records = new Map(recs.records.map((r) => [r.key, r]));
      buildGraph();
      fillRecordSelects();
      if (state.hello.capabilities.includes('graph.changes')) {
        // records added and removed at run time: the server tells us, we redraw at once
        const w = await rpc.call('watch', { keys: ['$graph'], queue: 16 });
        state.graphSub = w.sub;
      }
      await poll();
      if (!state.selected) {
        const first = recs.records.find((r) => r.produced > 0) || recs.records[0];
        if (first) selectRecord(first.key);
      } else {
        selectRecord(state.selected);
      }
    } catch (e) {
      showError('Loading the pipeline failed: ' + e.message);
    }
  }

  function onClosed(rpc, ev) {
    if (state.rpc !== rpc) return; // replaced on purpose
    state.rpc = null;
    state.sub = null;
    state.graphSub = null;
    if (rpc.fatal) { setConn('conn-off', 'refused'); return; } // a wrong token: the user must act
    setConn('conn-off', 'offline');
    const why = ev.reason ? ev.reason : 'code ' + ev.code;
    if (state.hello) showError('Disconnected from the server (' + why + '); reconnecting…');
    const delay = Math.min(10000, 1000 * 2 ** state.retry++);
    setTimeout(() => { if (!state.rpc) connect(); }, delay);
  }

  function onNotify(method, p) {
    if (method === 'error') {
      // the server says why it closes the connection
      showError('Server: ' + p.message + (p.data && p.data.reason ? ' (' + p.data.reason + ')' : ''));
      if (p.data && (p.data.reason === 'unauthenticated' || p.data.reason === 'auth_timeout') && state.rpc) state.rpc.fatal = true;
      return;
    }
    if (p && p.sub === state.graphSub && p.key === '$graph') {
      if (method !== 'watch.end') { state.graphChanges++; refreshGraph(); } // a change, or changes missed
      return;
    }
    if (!p || p.sub !== state.sub) return;
    if (method === 'watch.value') onValue(p);
    else if (method === 'watch.missed') { state.missed += p.count; updateWatchInfo(); }
    else if (method === 'watch.end') { $('watch-info').textContent = 'the record ended (' + p.reason + ')'; }
  }

  /** The graph changed (records added or removed): fetch graph and records, lay out again. */
  async function refreshGraph() {
    const rpc = state.rpc;
    if (!rpc) return;
    try {
      const [graph, recs] = await Promise.all([rpc.call('graph', { format: 'json' }), rpc.call('records')]);
      if (state.rpc !== rpc || (state.graph && graph.version < state.graph.version)) return; // stale
      state.graph = graph;
      state.records = new Map(recs.records.map((r) => [r.key, r]));
      buildGraph();
      fillRecordSelects();
      updateGraph();
    } catch (e) {
      showError('Reloading the graph failed: ' + e.message);
    }
  }

  // ------------------------------------------------------------------ polling inspect and stats

  async function poll() {
    const rpc = state.rpc;
    if (!rpc || !state.hello || state.polling) return;
    state.polling = true;
    try {
      const [insp, stats] = await Promise.all([rpc.call('inspect'), rpc.call('stats')]);
      state.prevInspect = state.inspect;
      state.inspect = insp;
      state.inspect.at = performance.now();
      state.stats = stats;
      if (state.graph && insp.records.length !== state.graphNodes.size - insp.tasks.length - insp.connectors.length) {
        // the graph changed shape (or connectors appeared): fetch and lay it out again
        state.graph = await rpc.call('graph', { format: 'json' });
        buildGraph();
      }
      updateGraph();
      recordSamples();
      if (state.view === 'lanes') renderLanes();
      if (state.view === 'connectors') renderConnectors();
      if (!state.firstDataShown) {
        state.firstDataShown = true;
        performance.mark('runnel-first-data');
      }
    } catch (e) {
      if (e.reason === 'rate_limited') return;
      if (state.rpc === rpc) showError('Polling failed: ' + e.message);
    } finally {
      state.polling = false;
    }
  }

  function delta(cur, prev, f) {
    return prev ? cur[f] - prev[f] : 0;
  }

  function prevOf(list, name, field) {
    if (!state.prevInspect) return null;
    return state.prevInspect[list].find((x) => x[field] === name) || null;
  }

  function rateOf(key) {
    const cur = state.inspect && state.inspect.records.find((r) => r.key === key);
    const prev = prevOf('records', key, 'key');
    if (!cur || !prev) return null;
    const dt = (Date.parse(state.inspect.takenAt) - Date.parse(state.prevInspect.takenAt)) / 1000;
    return dt > 0 ? (cur.produced - prev.produced) / dt : null;
  }

  function recordHealth(r) {
    const prev = prevOf('records', r.key, 'key');
    if (r.closed) return ['bad', 'closed'];
    if (delta(r, prev, 'lagged') > 0) return ['warn', 'readers lagging (' + delta(r, prev, 'lagged') + ' overrun)'];
    if (delta(r, prev, 'dropped') > 0) return ['warn', 'dropping (' + delta(r, prev, 'dropped') + ')'];
    if (r.produced === 0) return ['idle', 'no value yet'];
    return ['ok', 'healthy'];
  }

  function laneOf(name) {
    return state.inspect.lanes.find((l) => l.name === name);
  }

  function taskHealth(t) {
    const prev = prevOf('tasks', t.id, 'id');
    if (t.state === 'FAILED' || t.state === 'STUCK') return ['bad', t.state.toLowerCase() + (t.lastError ? ': ' + t.lastError : '')];
    if (t.state === 'RESTARTING') return ['warn', 'restarting: ' + (t.lastError || '')];
    const f = delta(t, prev, 'failures') + delta(t, prev, 'valueFailures') + delta(t, prev, 'restarts');
    if (f > 0) return ['warn', 'failing: ' + (t.lastError || f + ' failures')];
    if (delta(t, prev, 'watchdogReports') > 0) return ['warn', 'watchdog: held its lane too long'];
    const lane = laneOf(t.lane);
    const plane = lane && prevOf('lanes', lane.name, 'name');
    if (lane && plane && lane.watchdogReports > plane.watchdogReports) return ['warn', 'watchdog report on lane ' + lane.name];
    if (t.state === 'NEW') return ['idle', 'not started'];
    if (t.state === 'DONE') return ['idle', 'done'];
    return ['ok', t.state.toLowerCase()];
  }

  function connectorHealth(c) {
    const prev = prevOf('connectors', c.name, 'name');
    if (!c.connected) return ['bad', 'disconnected' + (c.lastError ? ': ' + c.lastError : '')];
    if (delta(c, prev, 'retries') > 0 || delta(c, prev, 'deadLetters') > 0) return ['warn', 'retrying / dead letters'];
    return ['ok', 'connected'];
  }

  // ------------------------------------------------------------------ graph diagram (SVG)

  const SVG = 'http://www.w3.org/2000/svg';
  const NODE_W = 232, NODE_H = 46, COL_W = 270, ROW_H = 64, PAD = 20;

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  // Layers by data flow: a node's column is the longest path to it from a node without inputs;
  // within a column, nodes are ordered by the mean row of their predecessors (one sweep).
  // Records sit in odd columns and tasks in even ones: a record nothing in the graph writes
  // (external, passive) starts in column 1, beside the records that sources write.
  function layout(nodes, edges) {
    const kind = new Map(nodes.map((n) => [n.id, n.kind]));
    const preds = new Map(nodes.map((n) => [n.id, []]));
    for (const e of edges) if (preds.has(e.to) && preds.has(e.from)) preds.get(e.to).push(e.from);
    const layer = new Map();
    const visiting = new Set();
    function depth(id) {
      if (layer.has(id)) return layer.get(id);
      if (visiting.has(id)) return 0; // a cycle (not expected): cut it
      visiting.add(id);
      let d = kind.get(id) === 'record' && preds.get(id).length === 0 ? 1 : 0;
      for (const p of preds.get(id)) d = Math.max(d, depth(p) + 1);
      visiting.delete(id);
      layer.set(id, d);
      return d;
    }
    nodes.forEach((n) => depth(n.id));
    const cols = [];
    for (const n of nodes) (cols[layer.get(n.id)] = cols[layer.get(n.id)] || []).push(n);
    const row = new Map();
    cols.forEach((col, ci) => {
      if (ci > 0) {
        const bary = (n) => {
          const ps = preds.get(n.id).filter((p) => row.has(p));
          return ps.length ? ps.reduce((s, p) => s + row.get(p), 0) / ps.length : 1e9;
        };
        col.sort((a, b) => bary(a) - bary(b));
      }
      col.forEach((n, i) => row.set(n.id, i));
    });
    return { layer, row, cols };
  }

  function buildGraph() {
    const host = $('graph');
    host.textContent = '';
    state.graphNodes.clear();
    const g = state.graph;
    const connectors = (state.inspect ? state.inspect.connectors : state.layoutConnectors) || [];
    const nodes = g.nodes.slice();
    const { layer, row, cols } = layout(nodes, g.edges);
    // connectors have no edges (they read and write records through the API): a row of their own
    // under the graph
    const maxRows = Math.max(1, ...cols.map((c) => c.length));
    const ncols = Math.max(cols.length, connectors.length);
    const rows = maxRows + (connectors.length ? 1 : 0);
    const width = PAD * 2 + (ncols - 1) * COL_W + NODE_W;
    const height = PAD * 2 + (rows - 1) * ROW_H + NODE_H + (connectors.length ? 16 : 0);
    const svg = el('svg', { width, height, viewBox: '0 0 ' + width + ' ' + height, id: 'graph-svg' }, host);
    const defs = el('defs', {}, svg);
    const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#9aa3ad' }, marker);
    const pos = new Map();
    for (const n of nodes) {
      const colLen = cols[layer.get(n.id)].length;
      const yOff = ((maxRows - colLen) * ROW_H) / 2;
      pos.set(n.id, { x: PAD + layer.get(n.id) * COL_W, y: PAD + yOff + row.get(n.id) * ROW_H });
    }
    const edgeLayer = el('g', {}, svg);
    for (const e of g.edges) {
      const a = pos.get(e.from), b = pos.get(e.to);
      if (!a || !b) continue;
      const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      el('path', { class: 'edge', d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2 - 2} ${y2}`, 'marker-end': 'url(#arrow)' }, edgeLayer);
    }
    for (const n of nodes) addNode(svg, n, pos.get(n.id));
    if (connectors.length) {
      const y = PAD + maxRows * ROW_H + 16;
      el('line', { x1: PAD, x2: width - PAD, y1: y - 16, y2: y - 16, stroke: '#d9dde3', 'stroke-dasharray': '4 4' }, svg);
      connectors.forEach((c, i) => {
        addNode(svg, { id: 'connector:' + c.name, kind: 'connector', name: c.name, connKind: c.kind },
          { x: PAD + i * COL_W, y });
      });
    }
    updateGraph();
  }

  function addNode(svg, n, p) {
    const gEl = el('g', { class: 'node ' + n.kind + ' idle', transform: `translate(${p.x},${p.y})`, 'data-id': n.id }, svg);
    if (n.kind === 'record') gEl.setAttribute('data-key', n.key);
    el('rect', { width: NODE_W, height: NODE_H, rx: n.kind === 'record' ? 6 : 16 }, gEl);
    el('circle', { class: 'health', cx: 12, cy: 14, r: 5 }, gEl);
    const title = el('text', { x: 24, y: 18 }, gEl);
    const sub = el('text', { class: 'sub', x: 12, y: 36 }, gEl);
    const tip = el('title', {}, gEl);
    let label;
    if (n.kind === 'record') label = n.key;
    else if (n.kind === 'task') label = taskLabel(n);
    else label = 'connector ' + n.name;
    title.textContent = clip(label, 31);
    if (n.kind === 'record') gEl.addEventListener('click', () => { selectRecord(n.key); showView('values'); });
    state.graphNodes.set(n.id, { n, gEl, sub, tip });
  }

  // a writer as "join → its record"; a tap as "tap <name>" (its record is the node on its left)
  function taskLabel(n) {
    const id = n.id.replace(/^task:/, '');
    const rest = n.key && id.startsWith(n.key + '/') ? id.slice(n.key.length + 1) : id;
    if (n.task === 'tap') return rest.replace(/^tap:/, 'tap ');
    return n.task + ' → ' + n.key;
  }

  function clip(s, n) {
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  function updateGraph() {
    const insp = state.inspect;
    if (!insp) return;
    for (const { n, gEl, sub, tip } of state.graphNodes.values()) {
      let health, text;
      if (n.kind === 'record') {
        const r = insp.records.find((x) => x.key === n.key);
        if (!r) continue;
        health = recordHealth(r);
        const rate = rateOf(r.key);
        text = shortType(r.type) + ' · ' + r.buffer.split('(')[0] + ' · ' + (rate === null ? '…' : fmtRate(rate));
        gEl.setAttribute('data-rate', rate === null ? '' : rate.toFixed(2));
      } else if (n.kind === 'task') {
        const t = insp.tasks.find((x) => 'task:' + x.id === n.id);
        if (!t) continue;
        health = taskHealth(t);
        text = 'lane ' + t.lane + ' · ' + t.state.toLowerCase() + (t.restarts ? ' · ' + t.restarts + ' restarts' : '')
          + (t.lateness && t.lateness.ticks ? ' · p99 ' + (t.lateness.p99Nanos / 1e6).toFixed(1) + ' ms' : '');
      } else {
        const c = insp.connectors.find((x) => x.name === n.name);
        if (!c) continue;
        health = connectorHealth(c);
        text = c.kind + ' · ' + (c.connected ? 'connected' : 'disconnected') + ' · backlog ' + c.backlog;
      }
      gEl.setAttribute('class', 'node ' + n.kind + ' ' + health[0]);
      gEl.setAttribute('data-health', health[0]);
      sub.textContent = clip(text, 37);
      tip.textContent = n.id + ': ' + health[1];
    }
  }

  function shortType(t) {
    return t.replace(/^.*[.$]/, '');
  }

  function fmtRate(r) {
    if (r >= 1000) return (r / 1000).toFixed(1) + 'k/s';
    if (r >= 10) return r.toFixed(0) + '/s';
    return r.toFixed(1) + '/s';
  }

  // ------------------------------------------------------------------ values, table and plot

  function fillRecordSelects() {
    const sel = $('record-select');
    sel.textContent = '';
    for (const r of state.records.values()) {
      const o = document.createElement('option');
      o.value = r.key;
      o.textContent = r.key + (r.persisted ? ' (history)' : '');
      sel.appendChild(o);
    }
    if (state.selected) sel.value = state.selected;
    const wsel = $('write-key');
    wsel.textContent = '';
    const writable = [...state.records.values()].filter((r) => r.writable);
    for (const r of writable) {
      const o = document.createElement('option');
      o.value = r.key;
      o.textContent = r.key;
      wsel.appendChild(o);
    }
    const canWrite = state.hello.role === 'write';
    $('write-send').disabled = !canWrite || writable.length === 0;
    $('write-role').textContent = !canWrite ? 'this token has role read: writing needs a write token'
      : writable.length === 0 ? 'the server allows no record to be written' : '';
    if (writable.length) prefillWrite(wsel.value);
  }

  function flatten(v, prefix, out) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const k of Object.keys(v)) flatten(v[k], prefix ? prefix + '.' + k : k, out);
    } else {
      out.push([prefix || 'value', v]);
    }
    return out;
  }

  async function selectRecord(key) {
    const rpc = state.rpc;
    state.selected = key;
    $('record-select').value = key;
    if (state.sub !== null && rpc) {
      const old = state.sub;
      state.sub = null;
      rpc.call('unwatch', { sub: old }).catch(() => {});
    }
    state.latest = null; state.recent = []; state.received = 0; state.conflated = 0; state.missed = 0;
    state.plotX = []; state.plotY = []; state.plotFields = [];
    if (state.plot) { state.plot.destroy(); state.plot = null; }
    $('value-table').textContent = ''; $('recent-table').textContent = '';
    $('plot-info').textContent = ''; $('history-info').textContent = '';
    const info = state.records.get(key);
    $('backfill').disabled = !(info && info.persisted && state.hello.capabilities.includes('query'));
    $('history-info').textContent = info && info.persisted ? '' : 'not persisted: no history to load';
    const last = state.inspect && state.inspect.records.find((r) => r.key === key);
    if (last && last.lastValue !== null && last.lastValue !== undefined) setupPlot(last.lastValue);
    if (!rpc) return;
    try {
      const r = await rpc.call('watch', { keys: [key], queue: WATCH_QUEUE, maxRate: WATCH_RATE });
      if (state.selected === key) state.sub = r.sub;
      else rpc.call('unwatch', { sub: r.sub }).catch(() => {});
      updateWatchInfo();
    } catch (e) {
      $('watch-info').textContent = 'watch refused: ' + e.message;
    }
  }

  function onValue(p) {
    const t = p.time ? Date.parse(p.time) / 1000 : Date.now() / 1000;
    state.received++;
    state.conflated += p.conflated || 0;
    state.latest = p.value;
    state.recent.push([t, p.value]);
    if (state.recent.length > RECENT_CAP) state.recent.shift();
    if (!state.plot && !state.plotFields.length) setupPlot(p.value);
    addPoint(t, p.value);
    state.valuesDirty = true;
    if (!state.firstValueShown) {
      renderValues();
      state.firstValueShown = true;
      performance.mark('runnel-first-value');
    }
  }

  function numericFields(v) {
    return flatten(v, '', []).filter(([, x]) => typeof x === 'number').map(([k]) => k).slice(0, 8);
  }

  function fieldOf(v, path) {
    if (path === 'value') return typeof v === 'number' ? v : null;
    let x = v;
    for (const k of path.split('.')) { if (x === null || typeof x !== 'object') return null; x = x[k]; }
    return typeof x === 'number' ? x : null;
  }

  const COLORS = ['#2563eb', '#d13a3a', '#2e9e5b', '#e0a000', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

  function setupPlot(sample) {
    state.plotFields = numericFields(sample);
    state.plotY = state.plotFields.map(() => []);
    const host = $('plot');
    host.textContent = '';
    if (!state.plotFields.length) {
      $('plot-info').textContent = 'no numeric field to plot';
      return;
    }
    if (typeof uPlot === 'undefined') return;
    state.plot = new uPlot({
      width: Math.max(300, host.clientWidth - 10 || 700), height: 300,
      scales: { x: { time: true } },
      series: [{}].concat(state.plotFields.map((f, i) => ({ label: f, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false } }))),
      axes: [{}, { size: 60 }],
    }, [[]].concat(state.plotFields.map(() => [])), host);
  }

  function addPoint(t, v) {
    if (!state.plotFields.length) return;
    state.plotX.push(t);
    state.plotFields.forEach((f, i) => state.plotY[i].push(fieldOf(v, f)));
    trimPlot();
    state.plotDirty = true;
  }

  // keeps at most 1.25 × PLOT_CAP points: trims a quarter at once, O(1) per point amortised
  function trimPlot() {
    if (state.plotX.length <= PLOT_CAP * 1.25) return;
    const over = state.plotX.length - PLOT_CAP;
    state.plotX.splice(0, over);
    state.plotY.forEach((ys) => ys.splice(0, over));
  }

  function updateWatchInfo() {
    $('watch-info').textContent = state.received + ' values received (at most ' + WATCH_RATE + '/s), '
      + state.conflated + ' conflated by the server, ' + state.missed + ' missed';
  }

  function renderValues() {
    if (state.latest === null) return;
    const rows = flatten(state.latest, '', []);
    const tbl = $('value-table');
    tbl.textContent = '';
    for (const [k, v] of rows) {
      const tr = tbl.insertRow();
      const th = document.createElement('th'); th.textContent = k; tr.appendChild(th);
      const td = tr.insertCell(); td.textContent = fmtValue(v); td.setAttribute('data-field', k);
      if (typeof v === 'number') td.className = 'num';
    }
    const rt = $('recent-table');
    rt.textContent = '';
    const head = rt.insertRow();
    const cols = rows.map(([k]) => k);
    ['time'].concat(cols).forEach((c) => { const th = document.createElement('th'); th.textContent = c; head.appendChild(th); });
    for (let i = state.recent.length - 1; i >= 0; i--) {
      const [t, v] = state.recent[i];
      const tr = rt.insertRow();
      tr.insertCell().textContent = new Date(t * 1000).toISOString().slice(11, 23);
      const flat = new Map(flatten(v, '', []));
      for (const c of cols) { const td = tr.insertCell(); td.textContent = compact(fmtValue(flat.get(c))); }
    }
    updateWatchInfo();
    $('plot-info').textContent = state.plotFields.length ? state.plotX.length + ' points (at most ' + PLOT_CAP + ' kept)' : 'no numeric field to plot';
  }

  // an ISO instant as its time of day to the millisecond (the full value is in the table above)
  function compact(s) {
    const m = /^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d(?:\.\d{1,3})?)\d*Z$/.exec(s);
    return m ? m[1] : s;
  }

  function fmtValue(v) {
    if (v === undefined) return '';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  }

  function redraw() {
    if (state.valuesDirty && state.view === 'values') { state.valuesDirty = false; renderValues(); }
    if (state.plotDirty && state.plot && state.view === 'values') {
      state.plotDirty = false;
      state.plot.setData([state.plotX].concat(state.plotY));
    }
  }

  async function backfill() {
    const key = state.selected;
    const rpc = state.rpc;
    if (!key || !rpc) return;
    let from, to;
    const range = $('range').value;
    if (range === 'custom') {
      from = $('range-from').value ? new Date($('range-from').value) : null;
      to = $('range-to').value ? new Date($('range-to').value) : new Date();
      if (!from || isNaN(from) || isNaN(to) || from >= to) { $('history-info').textContent = 'pick a from before the to'; return; }
    } else {
      to = new Date();
      from = new Date(to.getTime() - Number(range) * 1000);
    }
    const limit = Math.min(2000, state.hello.limits.maxPageEntries);
    const entries = [];
    let after = null, pages = 0;
    $('history-info').textContent = 'loading…';
    try {
      do {
        const params = { key, from: from.toISOString(), to: to.toISOString(), limit };
        if (after !== null) params.afterSeq = after;
        const page = await rpc.call('query', params);
        for (const e of page.entries) entries.push(e);
        after = page.next;
        pages++;
      } while (after !== null && entries.length < HISTORY_MAX && state.selected === key);
    } catch (e) {
      $('history-info').textContent = 'history refused: ' + e.message;
      return;
    }
    if (state.selected !== key) return;
    if (!state.plotFields.length && entries.length) setupPlot(entries[0].value);
    // decimate to what the plot keeps: every k-th entry (the last always)
    const keep = Math.floor(PLOT_CAP / 2);
    const stride = Math.max(1, Math.ceil(entries.length / keep));
    const hx = [], hy = state.plotFields.map(() => []);
    for (let i = 0; i < entries.length; i++) {
      if (i % stride !== 0 && i !== entries.length - 1) continue;
      const e = entries[i];
      hx.push(Date.parse(e.time) / 1000);
      state.plotFields.forEach((f, j) => hy[j].push(fieldOf(e.value, f)));
    }
    const lastH = hx.length ? hx[hx.length - 1] : -Infinity;
    const liveFrom = state.plotX.findIndex((x) => x > lastH);
    const lx = liveFrom < 0 ? [] : state.plotX.slice(liveFrom);
    state.plotX = hx.concat(lx);
    state.plotY = hy.map((ys, j) => ys.concat(liveFrom < 0 ? [] : state.plotY[j].slice(liveFrom)));
    trimPlot();
    state.plotDirty = true;
    $('history-info').textContent = entries.length + ' history entries in ' + pages + ' page(s)'
      + (stride > 1 ? ', every ' + stride + 'th plotted' : '') + (after !== null ? ' (stopped at ' + HISTORY_MAX + ')' : '');
    redraw();
  }

  // ------------------------------------------------------------------ lanes and tasks

  function ms(n) {
    return n === undefined || n === null ? '' : (n / 1e6).toFixed(3);
  }

  function recordSamples() {
    const insp = state.inspect;
    const t = Date.parse(insp.takenAt) / 1000;
    const add = (id, lat, wake) => {
      let s = state.samples.get(id);
      if (!s) { s = { t: [], p50: [], p99: [], p999: [], max: [], w50: [], w99: [], wmax: [] }; state.samples.set(id, s); }
      s.t.push(t);
      s.p50.push(lat ? lat.p50Nanos / 1e6 : null); s.p99.push(lat ? lat.p99Nanos / 1e6 : null);
      s.p999.push(lat ? lat.p999Nanos / 1e6 : null); s.max.push(lat ? lat.maxNanos / 1e6 : null);
      s.w50.push(wake ? wake.p50Nanos / 1e6 : null); s.w99.push(wake ? wake.p99Nanos / 1e6 : null);
      s.wmax.push(wake ? wake.maxNanos / 1e6 : null);
      if (s.t.length > SAMPLES_CAP) for (const k in s) s[k].shift();
    };
    for (const l of insp.lanes) add('lane:' + l.name, l.lateness, l.wakeToRun);
    for (const tk of insp.tasks) {
      const lane = laneOf(tk.lane);
      add('task:' + tk.id, tk.lateness, lane && lane.wakeToRun);
    }
    const sel = $('lateness-select');
    const ids = [...insp.lanes.map((l) => 'lane:' + l.name), ...insp.tasks.map((x) => 'task:' + x.id)];
    if (sel.options.length !== ids.length) {
      sel.textContent = '';
      for (const id of ids) { const o = document.createElement('option'); o.value = id; o.textContent = id; sel.appendChild(o); }
      const ticking = insp.tasks.find((x) => x.lateness && x.lateness.ticks > 0);
      state.latenessSel = state.latenessSel || (ticking ? 'task:' + ticking.id : ids[0]);
      sel.value = state.latenessSel;
    }
  }

  function cell(tr, text, cls) {
    const td = tr.insertCell();
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function table(id, headers, rows) {
    const tbl = $(id);
    tbl.textContent = '';
    const h = tbl.insertRow();
    headers.forEach((c) => { const th = document.createElement('th'); th.textContent = c; h.appendChild(th); });
    for (const r of rows) {
      const tr = tbl.insertRow();
      if (r.id) tr.setAttribute('data-id', r.id);
      for (const c of r.cells) cell(tr, c[0], c[1]);
    }
    if (!rows.length) { const tr = tbl.insertRow(); const td = cell(tr, 'none', 'muted'); td.colSpan = headers.length; }
  }

  function renderLanes() {
    const insp = state.inspect;
    if (!insp) return;
    table('lanes-table', ['lane', 'kind', 'tasks', 'busy', 'ticks', 'missed', 'late p50', 'p99', 'p99.9', 'max', 'wake p50', 'wake p99', 'wake max', 'watchdog'],
      insp.lanes.map((l) => ({ id: 'lane:' + l.name, cells: [
        [l.name], [l.kind.toLowerCase()], [String(l.tasks.length), 'num'], [(l.busyRatio * 100).toFixed(1) + '%', 'num'],
        [String(l.lateness.ticks), 'num'], [String(l.lateness.missedTicks), l.lateness.missedTicks ? 'num warn' : 'num'],
        [ms(l.lateness.p50Nanos), 'num'], [ms(l.lateness.p99Nanos), 'num'], [ms(l.lateness.p999Nanos), 'num'], [ms(l.lateness.maxNanos), 'num'],
        [ms(l.wakeToRun.p50Nanos), 'num'], [ms(l.wakeToRun.p99Nanos), 'num'], [ms(l.wakeToRun.maxNanos), 'num'],
        [String(l.watchdogReports), l.watchdogReports ? 'num warn' : 'num']] })));
    table('tasks-table', ['task', 'kind', 'lane', 'state', 'ticks', 'missed', 'late p50', 'p99', 'p99.9', 'max', 'failures', 'restarts', 'last error'],
      insp.tasks.map((t) => {
        const h = taskHealth(t);
        return { id: 'task:' + t.id, cells: [
          [t.id], [t.kind.toLowerCase()], [t.lane], [t.state.toLowerCase(), h[0]],
          [String(t.lateness.ticks), 'num'], [String(t.lateness.missedTicks), t.lateness.missedTicks ? 'num warn' : 'num'],
          [ms(t.lateness.p50Nanos), 'num'], [ms(t.lateness.p99Nanos), 'num'], [ms(t.lateness.p999Nanos), 'num'], [ms(t.lateness.maxNanos), 'num'],
          [String(t.failures + t.valueFailures), t.failures + t.valueFailures ? 'num warn' : 'num'], [String(t.restarts), 'num'],
          [t.lastError || '']] };
      }));
    drawLatenessPlots();
  }

  function drawLatenessPlots() {
    if (typeof uPlot === 'undefined') return;
    const s = state.samples.get(state.latenessSel);
    if (!s) return;
    const mk = (host, labels, existing) => {
      if (existing && existing.sel === state.latenessSel) return existing;
      if (existing) existing.destroy();
      host.textContent = '';
      const p = new uPlot({
        width: Math.max(300, host.clientWidth - 10 || 500), height: 220, scales: { x: { time: true } },
        series: [{}].concat(labels.map((l, i) => ({ label: l, stroke: COLORS[i], width: 1.5, value: (u, v) => v === null ? '' : v.toFixed(3) + ' ms' }))),
        axes: [{}, { size: 60, label: 'ms' }],
      }, [[]].concat(labels.map(() => [])), host);
      p.sel = state.latenessSel;
      return p;
    };
    state.latenessPlot = mk($('lateness-plot'), ['p50', 'p99', 'p99.9', 'max'], state.latenessPlot);
    state.latenessPlot.setData([s.t, s.p50, s.p99, s.p999, s.max]);
    state.wakePlot = mk($('wake-plot'), ['p50', 'p99', 'max'], state.wakePlot);
    state.wakePlot.setData([s.t, s.w50, s.w99, s.wmax]);
  }

  // ------------------------------------------------------------------ connectors, store, server

  function kv(id, pairs) {
    const tbl = $(id);
    tbl.textContent = '';
    for (const [k, v, cls] of pairs) {
      const tr = tbl.insertRow();
      const th = document.createElement('th'); th.textContent = k; tr.appendChild(th);
      const td = cell(tr, String(v), cls || 'num');
      td.setAttribute('data-field', k);
    }
  }

  function bytes(n) {
    if (n >= 1 << 30) return (n / (1 << 30)).toFixed(2) + ' GiB';
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(2) + ' MiB';
    if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
    return n + ' B';
  }

  function renderConnectors() {
    const insp = state.inspect;
    if (!insp) return;
    table('connectors-table', ['connector', 'kind', 'connected', 'backlog', 'retries', 'dead letters', 'last error', 'counters'],
      insp.connectors.map((c) => ({ id: 'connector:' + c.name, cells: [
        [c.name], [c.kind], [c.connected ? 'yes' : 'no', c.connected ? 'ok' : 'bad'], [String(c.backlog), 'num'],
        [String(c.retries), c.retries ? 'num warn' : 'num'], [String(c.deadLetters), c.deadLetters ? 'num warn' : 'num'],
        [c.lastError || ''], [Object.entries(c.counters).map(([k, v]) => k + '=' + v).join(' ')]] })));
    const st = state.stats.store;
    if (st) {
      kv('store-table', [['size', bytes(st.totalBytes)], ['segments', st.segments], ['durable sequence', st.durableSequence],
        ['written sequence', st.writtenSequence], ['appended', st.appended], ['queued', st.queued], ['fsyncs', st.fsyncs],
        ['dropped (oldest)', st.droppedOldest, st.droppedOldest ? 'num warn' : 'num'], ['rejected', st.rejected, st.rejected ? 'num warn' : 'num'],
        ['cursor overruns', st.cursorOverruns, st.cursorOverruns ? 'num warn' : 'num'], ['damaged regions', st.damagedRegions, st.damagedRegions ? 'num bad' : 'num'],
        ['segments deleted', st.segmentsDeleted]]);
      // the durable cursors: one per forwarding route (a connector's history reader)
      table('cursors-table', ['cursor', 'position', 'behind'],
        (st.cursors || []).map((c) => ({ id: 'cursor:' + c.name, cells: [
          [c.name], [String(c.position), 'num'], [String(c.behind), c.behind ? 'num warn' : 'num']] })));
    } else {
      kv('store-table', [['history', 'this server has no history store', 'muted']]);
    }
    const s = state.stats;
    const rej = Object.entries(s.rejected || {}).map(([k, v]) => k + '=' + v).join(' ') || 'none';
    kv('server-table', [['connections open', s.connectionsOpen], ['connections accepted', s.connectionsAccepted],
      ['connections refused', s.connectionsRejected], ['watches open', s.watchesOpen], ['watch values delivered', s.watchDelivered],
      ['watch values missed', s.watchMissed, s.watchMissed ? 'num warn' : 'num'], ['writes accepted', s.writesAccepted],
      ['writes refused', s.writesRefused], ['rejected requests', rej, '']]);
  }

  // ------------------------------------------------------------------ write

  function skeleton(schema) {
    if (!schema) return null;
    const t = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (t === 'object') {
      const o = {};
      for (const [k, s] of Object.entries(schema.properties || {})) o[k] = skeleton(s);
      return o;
    }
    if (t === 'number' || t === 'integer') return 0;
    if (t === 'boolean') return false;
    if (t === 'array') return [];
    if (t === 'string') return '';
    return null;
  }

  function prefillWrite(key) {
    const r = state.records.get(key);
    if (!r) return;
    const cur = state.inspect && state.inspect.records.find((x) => x.key === key);
    const v = cur && cur.lastValue !== null && cur.lastValue !== undefined ? cur.lastValue : skeleton(r.schema);
    $('write-value').value = JSON.stringify(v, null, 2);
    $('write-schema').textContent = JSON.stringify(r.schema, null, 2);
  }

  async function write(ev) {
    ev.preventDefault();
    const out = $('write-result');
    const key = $('write-key').value;
    let value;
    try {
      value = JSON.parse($('write-value').value);
    } catch (e) {
      out.className = 'result error';
      out.textContent = 'not JSON: ' + e.message;
      return;
    }
    if (!state.rpc) { out.className = 'result error'; out.textContent = 'not connected'; return; }
    out.className = 'result';
    out.textContent = 'writing…';
    try {
      await state.rpc.call('set', { key, value });
      out.className = 'result ok';
      out.textContent = 'accepted: ' + key + ' = ' + JSON.stringify(value);
    } catch (e) {
      out.className = 'result error';
      out.textContent = 'refused (' + (e.reason || 'error') + '): ' + e.message + (e.data && e.data.detail ? ' — ' + e.data.detail : '');
    }
  }

  // ------------------------------------------------------------------ views and start

  function showView(name) {
    state.view = name;
    document.querySelectorAll('nav button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
    document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === 'view-' + name));
    if (name === 'values') {
      if (state.plot) state.plot.setSize({ width: Math.max(300, $('plot').clientWidth - 10), height: 300 });
      state.valuesDirty = true; state.plotDirty = true; redraw();
    }
    if (name === 'lanes') { if (state.latenessPlot) { state.latenessPlot.destroy(); state.latenessPlot = null; } if (state.wakePlot) { state.wakePlot.destroy(); state.wakePlot = null; } renderLanes(); }
    if (name === 'connectors') renderConnectors();
    if (name === 'write' && state.records.size) prefillWrite($('write-key').value);
    if (history.replaceState) history.replaceState(null, '', location.pathname + location.search + '#' + name);
  }

  function start() {
    const { view } = takeTokenFromFragment();
    document.querySelectorAll('nav button').forEach((b) => b.addEventListener('click', () => showView(b.dataset.tab)));
    if (view) showView(view);
    window.addEventListener('hashchange', () => {
      const f = takeTokenFromFragment();
      if (f.view && f.view !== state.view) showView(f.view);
      if (f.took) { $('token').value = sessionStorage.getItem(TOKEN_KEY); state.hello = null; connect(); }
    });
    $('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
      state.hello = null;
      connect();
    });
    $('record-select').addEventListener('change', (ev) => selectRecord(ev.target.value));
    $('range').addEventListener('change', () => { $('custom-range').hidden = $('range').value !== 'custom'; });
    $('backfill').addEventListener('click', backfill);
    $('lateness-select').addEventListener('change', (ev) => {
      state.latenessSel = ev.target.value;
      drawLatenessPlots();
    });
    $('write-key').addEventListener('change', (ev) => prefillWrite(ev.target.value));
    $('write-form').addEventListener('submit', write);
    setInterval(poll, POLL_MS);
    setInterval(redraw, REDRAW_MS);
    window.addEventListener('resize', () => {
      if (state.plot) state.plot.setSize({ width: Math.max(300, $('plot').clientWidth - 10), height: 300 });
    });
    connect();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
