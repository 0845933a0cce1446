import type { RecentRunView } from '@wfp/contracts';
import { escapeHtml as e } from './html';
import type { OpsSnapshot } from './ops-snapshot.service';
import { renderRunGraphSvg } from './run-graph';

/** Security headers of every operations page response: its own script and style only, never framed. */
export const OPS_PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><link rel="stylesheet" href="/ops/ops.css"><script src="/ops/ops.js" defer></script></head>
<body>${body}</body></html>`;
}

export function renderSignInPage(problem?: string): string {
  return layout(
    'Sign in · operations',
    `<main class="sign-in"><h1>Workflow platform operations</h1>
<form method="post" action="/ops/session">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
${problem ? `<p class="problem" role="alert">${e(problem)}</p>` : ''}
<button type="submit">Sign in</button></form></main>`,
  );
}

const badge = (text: string, tone: string) => `<span class="badge ${tone}">${e(text)}</span>`;
const HEALTH_TONE: Record<string, string> = { up: 'ok', 'not-ready': 'bad', unreachable: 'bad', unknown: 'muted' };
const RUN_TONE: Record<string, string> = { COMPLETED: 'ok', FAILED: 'bad', CANCELLED: 'muted', RUNNING: 'info' };
const BREAKER_TONE: Record<string, string> = { closed: 'ok', 'half-open': 'warn', open: 'bad' };

function button(label: string, method: string, url: string, confirm?: string): string {
  return `<button type="button" data-method="${method}" data-url="${e(url)}"${confirm ? ` data-confirm="${e(confirm)}"` : ''}>${e(label)}</button>`;
}

function servicesSection(snapshot: OpsSnapshot): string {
  const rows = snapshot.services
    .map(
      (service) =>
        `<tr data-service="${e(service.service)}"><td>${e(service.service)}</td><td>${badge(service.status, HEALTH_TONE[service.status])}</td>` +
        `<td class="num">${service.consumers}</td><td>${e(service.detail ?? '')}</td><td class="muted">${e(service.url ?? (service.detail ? '' : 'no URL configured'))}</td></tr>`,
    )
    .join('');
  return `<section id="services"><h2>Services</h2><table><thead><tr><th>service</th><th>health</th><th>consumers</th><th>detail</th><th>health URL</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function queuesSection(snapshot: OpsSnapshot): string {
  const rows = snapshot.queues
    .filter((queue) => queue.kind !== 'retry' || queue.messageCount > 0)
    .map((queue) => {
      const tone = !queue.exists
        ? 'muted'
        : queue.kind === 'dlq' && queue.messageCount > 0
          ? 'bad'
          : queue.kind === 'work' && queue.consumerCount === 0
            ? 'warn'
            : '';
      return (
        `<tr class="${tone}" data-queue="${e(queue.name)}"><td>${e(queue.service)}</td><td>${e(queue.name)}</td><td>${e(queue.kind)}</td>` +
        `<td class="num">${queue.exists ? queue.messageCount : '—'}</td><td class="num">${queue.exists ? queue.consumerCount : '—'}</td></tr>`
      );
    })
    .join('');
  return `<section id="queues"><h2>Queues</h2><p class="muted">Retry queues are listed when they hold messages.</p><table><thead><tr><th>service</th><th>queue</th><th>kind</th><th>messages</th><th>consumers</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function deadLettersSection(snapshot: OpsSnapshot): string {
  if (snapshot.deadLetters.length === 0) {
    return '<section id="dead-letters"><h2>Dead-letter queues</h2><p class="ok-text">Every DLQ is empty.</p></section>';
  }
  const services = snapshot.deadLetters
    .map((list) => {
      const base = `/v1/admin/dead-letters/${encodeURIComponent(list.service)}`;
      const total = list.queues.reduce((sum, queue) => sum + queue.messageCount, 0);
      const messages = list.messages
        .map((message) => {
          const actions = message.messageId
            ? button('Replay', 'POST', `${base}/${encodeURIComponent(message.messageId)}/replay`) +
              button('Discard', 'DELETE', `${base}/${encodeURIComponent(message.messageId)}`, 'Discard this message?')
            : '<span class="muted">no id: purge only</span>';
          return (
            `<tr data-message-id="${e(message.messageId ?? '')}"><td>${e(message.messageId ?? '—')}</td><td>${e(message.type ?? '—')}</td>` +
            `<td>${e(message.reason ?? '—')}</td><td class="num">${e(message.attempts ?? '—')}</td><td>${e(message.error ?? '')}</td>` +
            `<td>${e(message.deadLetteredAt ?? '')}</td><td class="actions">${actions}</td></tr>` +
            `<tr class="body"><td colspan="7"><details><summary>body</summary><pre>${e(JSON.stringify(message.body, null, 2))}</pre></details></td></tr>`
          );
        })
        .join('');
      return (
        `<div class="dlq" data-service="${e(list.service)}"><h3>${e(list.service)} <span class="count">${total} message${total === 1 ? '' : 's'}</span></h3>` +
        `<p class="actions">${button('Replay all', 'POST', `${base}/replay`)}${button('Purge', 'DELETE', base, `Purge every DLQ of ${list.service}?`)}</p>` +
        `<table><thead><tr><th>message</th><th>type</th><th>reason</th><th>attempts</th><th>error</th><th>dead-lettered</th><th></th></tr></thead><tbody>${messages}</tbody></table></div>`
      );
    })
    .join('');
  return `<section id="dead-letters"><h2>Dead-letter queues</h2>${services}</section>`;
}

function breakersSection(snapshot: OpsSnapshot): string {
  if (snapshot.breakers === null) {
    return '<section id="breakers"><h2>Circuit breakers</h2><p class="muted">The dispatcher\'s metrics cannot be read (set its URL in OPS_SERVICE_URLS).</p></section>';
  }
  if (snapshot.breakers.length === 0) {
    return '<section id="breakers"><h2>Circuit breakers</h2><p class="muted">No endpoint has been called yet.</p></section>';
  }
  const rows = snapshot.breakers
    .map(
      (breaker) =>
        `<tr data-endpoint-id="${e(breaker.endpointId)}"><td>${e(breaker.endpointId)}</td><td>${badge(breaker.state, BREAKER_TONE[breaker.state])}</td>` +
        `<td>${e(
          Object.entries(breaker.attempts)
            .map(([result, count]) => `${result}: ${count}`)
            .join(', '),
        )}</td></tr>`,
    )
    .join('');
  return `<section id="breakers"><h2>Circuit breakers</h2><p class="muted">As seen by the dispatcher instance the gateway reaches.</p><table><thead><tr><th>endpoint</th><th>state</th><th>attempts</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function runSummary(run: RecentRunView): string {
  return (
    `${badge(run.status, RUN_TONE[run.status] ?? 'muted')} <code>${e(run.runId)}</code> ` +
    `<span class="muted">${e(run.workflowId)} v${run.versionNumber} · ${e(run.organizationId)} · started ${e(run.startedAt)}</span>` +
    (run.errorCode ? ` ${badge(run.errorCode, 'bad')}` : '')
  );
}

function runsSection(snapshot: OpsSnapshot): string {
  if (snapshot.runs.length === 0)
    return '<section id="runs"><h2>Recent runs</h2><p class="muted">No runs yet.</p></section>';
  const runs = snapshot.runs
    .map((run, index) => {
      const svg = renderRunGraphSvg({
        definition: run.definition,
        path: run.nodes.map((node) => node.nodeId),
        status: run.status,
        currentNodeId: run.currentNodeId,
        lastFailedNodeId: run.lastFailedNodeId,
      });
      const path = run.nodes.map((node) => `${node.nodeId} (${node.routingEvent})`).join(' → ') || 'not started';
      return `<details class="run" data-run-id="${e(run.runId)}"${index < 3 ? ' open' : ''}><summary>${runSummary(run)}</summary><p class="path">${e(path)}</p><div class="graph">${svg}</div></details>`;
    })
    .join('');
  return `<section id="runs"><h2>Recent runs</h2>${runs}</section>`;
}

export function renderOpsPage(snapshot: OpsSnapshot): string {
  const problems = snapshot.problems.length
    ? `<div class="problems" role="alert">${snapshot.problems.map((problem) => `<p>${e(problem)}</p>`).join('')}</div>`
    : '';
  return layout(
    'Operations · workflow platform',
    `<header><h1>Workflow platform operations</h1><span class="muted">as of ${e(snapshot.takenAt)}</span>
<a href="/ops">Refresh</a><form method="post" action="/ops/sign-out"><button type="submit">Sign out</button></form></header>
<p id="action-result" role="status"></p>${problems}
<main>${servicesSection(snapshot)}${deadLettersSection(snapshot)}${breakersSection(snapshot)}${queuesSection(snapshot)}${runsSection(snapshot)}</main>`,
  );
}

/** The page's only script: admin actions as same-origin requests with X-Ops-Request, then a reload. */
export const OPS_SCRIPT = `document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-url]');
  if (!button) return;
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  const status = document.getElementById('action-result');
  button.disabled = true;
  try {
    const response = await fetch(button.dataset.url, {
      method: button.dataset.method,
      headers: { 'x-ops-request': '1' },
      credentials: 'same-origin',
    });
    const body = await response.json().catch(() => ({}));
    status.textContent = response.ok ? button.textContent + ': done' : button.textContent + ' failed: ' + (body.message || response.status);
    status.className = response.ok ? 'ok-text' : 'problem';
    if (response.ok) setTimeout(() => window.location.reload(), 400);
  } finally {
    button.disabled = false;
  }
});
`;

export const OPS_STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:16px;align-items:center;padding:12px 20px;background:#1d2330;color:#fff}
header h1{font-size:18px;margin:0}header a{color:#9cc3ff}header form{margin-left:auto}
main{padding:12px 20px}section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 16px;margin:12px 0}
h2{font-size:16px}h3{font-size:14px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.bad td{background:#fdecec}tr.warn td{background:#fff6e0}tr.muted td,.muted{color:#7a8394}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#e8ebf0}.badge.ok{background:#dff3e4;color:#17612c}
.badge.bad{background:#fbe0e0;color:#8f1c1c}.badge.warn{background:#fff0c7;color:#7a5500}.badge.info{background:#dde9fb;color:#1d4f91}
.problems,.problem{color:#8f1c1c}.ok-text{color:#17612c}button{margin-right:6px;cursor:pointer}pre{max-height:240px;overflow:auto;background:#f6f7f9;padding:8px}
.sign-in{max-width:360px;margin:80px auto;background:#fff;padding:24px;border:1px solid #dde1e7;border-radius:6px}.sign-in input{display:block;width:100%;margin:8px 0 12px}
details.run{border-top:1px solid #eef0f3;padding:6px 0}.path{font-family:monospace;font-size:12px}.graph{overflow-x:auto}
svg .node rect{fill:#fff;stroke:#aab2bf;stroke-width:1.5}svg .node.visited rect{fill:#dff3e4;stroke:#2e8b4c}
svg .node.failed rect{fill:#fbe0e0;stroke:#c0392b;stroke-width:2.5}svg .node.current rect{fill:#dde9fb;stroke:#2c6ecb;stroke-width:2.5}
svg text{font-size:12px;fill:#1d2330}svg text.type{font-size:10px;fill:#7a8394}
svg .edge{fill:none;stroke:#c5cbd5;stroke-width:1.5}svg .edge.taken{stroke:#2e8b4c;stroke-width:3}svg marker path{fill:#7a8394}
`;
