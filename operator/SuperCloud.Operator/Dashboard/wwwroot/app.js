// The SuperCloud dashboard: renders each snapshot the operator pushes over server-sent events (from its informer
// caches); nothing is loaded from anywhere but the operator.
'use strict';

const palette = ['#5fb3f9', '#f5b942', '#4cc38a', '#c792ea', '#ef5d5d', '#7fdbca'];
const svgNs = 'http://www.w3.org/2000/svg';

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

const money = (v, currency) => (v === null || v === undefined) ? '–' : `${Number(v).toFixed(4)} ${currency || ''}`.trim();
const bytes = (n) => n === null || n === undefined ? '–' : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;

function renderClouds(snapshot) {
  const root = document.getElementById('clouds');
  root.replaceChildren(...snapshot.clouds.map((cloud) => el('div', { class: 'cloud', 'data-cloud': cloud.provider },
    el('h3', null, cloud.provider),
    ...cloud.clusters.map((cluster) => el('div', { class: 'cluster', 'data-cluster': cluster.name },
      el('div', null, el('strong', null, cluster.name), ' ', el('span', { class: 'meta' },
        `${cluster.region} · ${cluster.readyNodes ?? 0}/${cluster.nodes ?? 0} ready · ${money(cluster.ratePerHour, cluster.currency)}/h · ${money(cluster.accumulated, cluster.currency)} so far`)),
      ...cluster.hosts.map((host) => el('div', { class: 'host', 'data-host': host.name },
        el('span', { class: `name phase-${host.phase === 'Ready' ? 'Running' : 'Failed'}` }, host.name),
        host.spot ? el('span', { class: 'badge spot' }, 'spot') : el('span', { class: 'badge' }, 'on-demand'),
        host.phase !== 'Ready' ? el('span', { class: 'badge bad' }, host.phase || 'no heartbeat') : null,
        host.interruption ? el('span', { class: 'badge bad' }, 'interruption') : null,
        host.unschedulable ? el('span', { class: 'badge' }, 'cordoned') : null,
        ...host.superPods.map((p) => el('span', { class: 'pod', 'data-superpod': p }, p.split('/')[1])))))))));
}

function renderPods(snapshot) {
  const body = document.querySelector('#superpods tbody');
  body.replaceChildren(...snapshot.superPods.map((p) => {
    const saving = p.accumulated && p.onDemandAccumulated && Number(p.onDemandAccumulated) > 0
      ? `${(100 * (1 - Number(p.accumulated) / Number(p.onDemandAccumulated))).toFixed(0)}%` : '–';
    return el('tr', { 'data-superpod': `${p.namespace}/${p.name}` },
      el('td', null, `${p.namespace}/${p.name}`),
      el('td', { class: `phase-${p.phase}` }, p.phase || 'Pending'),
      el('td', null, p.cloud || '–'), el('td', null, p.region || '–'), el('td', null, p.node || '–'), el('td', null, p.ip || '–'),
      el('td', null, p.capacity || '–'), el('td', null, money(p.ratePerHour, p.currency)),
      el('td', { class: 'cost' }, money(p.accumulated, p.currency)), el('td', null, money(p.onDemandAccumulated, p.currency)),
      el('td', null, saving));
  }));
}

function progressText(m) {
  if (m.percent !== null && m.percent !== undefined) {
    return `${m.phase} ${m.percent}% · ${bytes(m.bytesSent)} sent · ${m.iterations ?? 0} iterations`;
  }
  return m.phase;
}

function renderMigrations(snapshot) {
  const body = document.querySelector('#migrations tbody');
  body.replaceChildren(...snapshot.migrations.map((m) => {
    const fill = el('div', { class: 'fill' });
    const order = ['Pending', 'Scheduling', 'PreparingTarget', 'Transferring', 'Switching'];
    const share = m.percent ?? (100 * Math.max(0, order.indexOf(m.phase)) / order.length);
    fill.style.width = `${share}%`;
    return el('tr', { 'data-migration': `${m.namespace}/${m.name}` },
      el('td', null, m.name), el('td', null, m.superPod), el('td', null, m.reason || 'Manual'),
      el('td', null, m.source || '–'), el('td', null, m.target || '–'),
      el('td', { class: `phase phase-${m.phase}` }, m.phase),
      el('td', null, el('span', { class: 'bar' }, fill), el('span', { class: 'progress-text' }, progressText(m))));
  }));
  document.getElementById('no-migrations').hidden = snapshot.migrations.length > 0;
  document.querySelector('#recent-migrations tbody').replaceChildren(...snapshot.recentMigrations.map((m) =>
    el('tr', { 'data-migration': `${m.namespace}/${m.name}` },
      el('td', null, m.name), el('td', null, m.superPod), el('td', { class: `phase-${m.phase}` }, m.phase + (m.failureReason ? ` (${m.failureReason})` : '')),
      el('td', null, m.source || '–'), el('td', null, m.target || '–'), el('td', null, m.totalTime || '–'), el('td', null, m.downtime || '–'))));
}

function renderCost(snapshot) {
  const chart = document.getElementById('cost-chart');
  const legend = document.getElementById('cost-legend');
  const series = Object.entries(snapshot.costHistory);
  const points = series.flatMap(([, p]) => p);
  chart.replaceChildren();
  legend.replaceChildren();
  if (points.length === 0) {
    const t = svg('text', { x: 20, y: 30 });
    t.textContent = 'No cost accounted yet.';
    chart.append(t);
    return;
  }
  const [w, h, left, bottom] = [900, 280, 60, 24];
  const t0 = Math.min(...points.map((p) => p[0]));
  const t1 = Math.max(...points.map((p) => p[0]), t0 + 1000);
  const max = Math.max(...points.map((p) => Math.max(p[1], p[2])), 1e-6);
  const x = (t) => left + (w - left - 10) * (t - t0) / (t1 - t0);
  const y = (v) => h - bottom - (h - bottom - 10) * v / max;
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    chart.append(svg('line', { x1: left, x2: w - 10, y1: y(v), y2: y(v), class: 'grid' }));
    const label = svg('text', { x: 4, y: y(v) + 4 });
    label.textContent = v.toFixed(4);
    chart.append(label);
  }
  const span = svg('text', { x: left, y: h - 6 });
  span.textContent = `${new Date(t0).toLocaleTimeString()} – ${new Date(t1).toLocaleTimeString()}`;
  chart.append(span);
  series.forEach(([cloud, p], i) => {
    const color = palette[i % palette.length];
    const line = (index) => p.map((q) => `${x(q[0]).toFixed(1)},${y(q[index]).toFixed(1)}`).join(' ');
    chart.append(svg('polyline', { points: line(1), fill: 'none', stroke: color, 'stroke-width': 2, 'data-cloud': cloud }));
    chart.append(svg('polyline', { points: line(2), fill: 'none', stroke: color, 'stroke-width': 1.5, 'stroke-dasharray': '5 4' }));
    const last = p[p.length - 1];
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = color;
    legend.append(el('span', { 'data-cloud': cloud }, swatch, `${cloud}: ${Number(last[1]).toFixed(4)} vs ${Number(last[2]).toFixed(4)} on-demand`));
  });
}

function renderRegions(snapshot) {
  const table = document.getElementById('regions');
  const clientRegions = new Set(snapshot.superPods.flatMap((p) => p.clientRegions));
  const podsIn = (cluster) => snapshot.superPods.filter((p) => p.cluster === cluster).map((p) => p.name);
  table.tHead.replaceChildren(el('tr', null, el('th', null, 'Cluster'), el('th', null, 'Cloud / region'), el('th', null, 'SuperPods'),
    ...snapshot.regions.locations.map((l) => el('th', { class: clientRegions.has(l) ? 'client' : null }, l))));
  table.tBodies[0].replaceChildren(...snapshot.regions.rows.map((row) => el('tr', { 'data-cluster': row.cluster },
    el('td', null, row.cluster), el('td', null, `${row.cloud} / ${row.region}`), el('td', null, podsIn(row.cluster).join(', ') || '–'),
    ...row.rttMs.map((ms) => el('td', { class: `rtt ${ms === null ? '' : ms < 30 ? 'fast' : ms < 100 ? 'medium' : 'slow'}` }, ms === null ? '–' : ms)))));
}

function render(snapshot) {
  renderClouds(snapshot);
  renderMigrations(snapshot);
  renderPods(snapshot);
  renderCost(snapshot);
  renderRegions(snapshot);
  document.getElementById('updated').textContent = `as of ${new Date(snapshot.time).toLocaleTimeString()}`;
  window.supercloudSnapshots = (window.supercloudSnapshots || 0) + 1;
}

function connect() {
  const status = document.getElementById('status');
  const source = new EventSource('api/events');
  source.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
  source.onopen = () => { status.textContent = 'live'; status.className = 'status online'; };
  // EventSource reconnects by itself; the badge says so meanwhile.
  source.onerror = () => { status.textContent = 'reconnecting…'; status.className = 'status offline'; };
}

connect();
