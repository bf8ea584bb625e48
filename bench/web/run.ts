/**
 * Web app benchmark (not a test), in the machine's Chromium against a real platform:
 *
 * 1. Time to interactive of a workflow blob's executions page with 1,000 executions on the
 *    revision: from navigation start to the first page of rows on screen with the pager enabled,
 *    over BENCH_LOADS fresh loads. Baseline in the same run: the page's own API call
 *    (list_executions over /trpc) made by hand from the same page, i.e. what the server costs.
 * 2. Event-to-screen latency of a live execution (40 logic.code steps): for each event, the time
 *    from its arrival on a raw WebSocket subscription opened in the same page (the baseline: the
 *    earliest a browser can know of it) to its row appearing in the execution page's timeline.
 *
 *   npm run bench:web                 # builds the app first
 *   BENCH_LOADS=20 npm run bench:web
 */
import { comp, definition, flow } from '../../test/support/workflow-builders';
import { newId } from '../../core/ids';
import { executions } from '../../db/schema';
import { openBrowser } from '../../test/support/browser';
import { startBenchPlatform } from '../support/platform';
import { median, percentile } from '../support/stats';

const ENGINE = 'workflow_blobhub';
const EXECUTIONS = 1000;
const LOADS = Number(process.env.BENCH_LOADS ?? 10);
const STEPS = 40;

const platform = await startBenchPlatform({ worker: true });
const browser = await openBrowser(platform.url);
try {
  const login = await platform.anonymous.post('/auth/login', { email: platform.env.BLOBHUB_ADMIN_EMAIL, password: platform.env.BLOBHUB_ADMIN_PASSWORD });
  const api = platform.client({ token: login.body.access_token });
  await api.post('/orgs', { name: 'bench' });
  const created = (await api.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow' })).body;
  const revisionId: string = created.revision.id;
  const steps = Array.from({ length: STEPS }, (_, i) => comp(`c${i}`, 'logic.code', { language: 'javascript', code: `set_result('success');` }));
  const ids = ['s', ...steps.map((s) => s.id), 'e'];
  await api.data(revisionId, ENGINE, 'upload_definition', {
    alias: 'steps',
    definition: definition(
      [comp('s', 'flow.start'), comp('wait', 'flow.delay', { seconds: 3 }), ...steps, comp('e', 'flow.end')],
      [
        flow('s', 'wait'),
        flow('wait', ids[1]!),
        ...ids
          .slice(1)
          .slice(0, -1)
          .map((id, i) => flow(id, ids[i + 2]!)), // the id after this one
      ],
    ),
  });

  // 1,000 finished executions on the revision, as rows (their Temporal runs are not what the page shows).
  const session = (await api.data(revisionId, ENGINE, 'create_session', { name: 'bench' })).body.session.id;
  const statuses = ['succeeded', 'failed', 'cancelled'] as const;
  const now = Date.now();
  await platform.app.db.insert(executions).values(
    Array.from({ length: EXECUTIONS }, (_, i) => ({
      id: newId('execution'),
      sessionId: session,
      revisionId,
      definitionId: newId('definition'),
      alias: 'steps',
      definitionHash: 'bench',
      status: statuses[i % 3],
      startedAt: new Date(now - (EXECUTIONS - i) * 60_000),
      endedAt: new Date(now - (EXECUTIONS - i) * 60_000 + 1500),
    })),
  );

  const page = browser.page;
  await page.goto('/');
  await page.evaluate(`localStorage.setItem('blobhub.session', ${JSON.stringify(JSON.stringify(login.body))})`);
  const executionsUrl = `/orgs/bench/blobs/flows/executions?revision=${revisionId}`;

  // In-page probes are plain JavaScript strings: this program is type-checked without the DOM.
  const firstPageReady = `document.querySelectorAll('[data-testid=executions-table] tbody tr').length === 20 &&
    [...document.querySelectorAll('button')].some((b) => b.textContent === 'Next' && !b.disabled)`;
  const listCallAlone = `(async () => {
    const token = JSON.parse(localStorage.getItem('blobhub.session')).access_token;
    const body = JSON.stringify({ 0: { revision_id: '${revisionId}', engine: '${ENGINE}', command: 'list_executions', limit: 20 } });
    const started = performance.now();
    const res = await fetch('/trpc/data.query?batch=1', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body });
    await res.json();
    return performance.now() - started;
  })()`;
  // Notes the first moment the condition holds, on the DOM change that makes it so.
  await page.addInitScript(`new MutationObserver(() => {
    if (window.firstPageAt === undefined && location.pathname.endsWith('/executions') && (${firstPageReady})) window.firstPageAt = performance.now();
  }).observe(document, { childList: true, subtree: true, attributes: true })`);
  const tti: number[] = [];
  const apiOnly: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto(executionsUrl, { waitUntil: 'commit' });
    await page.waitForFunction('window.firstPageAt !== undefined');
    tti.push(await page.evaluate<number>('window.firstPageAt'));
    apiOnly.push(await page.evaluate<number>(listCallAlone));
  }

  // A live execution: the page subscribes, then a raw socket in the same page records arrivals.
  const execution = (await api.data(revisionId, ENGINE, 'create_execution', { alias: 'steps' })).body.execution;
  await page.goto(`/orgs/bench/blobs/flows/revisions/${revisionId}/executions/${execution.id}`);
  await page.locator('[data-testid=live-state][data-state=live]').waitFor();
  await page.evaluate(`new Promise((resolve) => {
    window.arrived = {};
    window.shown = {};
    new MutationObserver((mutations) => {
      const at = performance.now();
      for (const m of mutations) for (const n of m.addedNodes) if (n.dataset && n.dataset.eventId) window.shown[n.dataset.eventId] ??= at;
    }).observe(document.body, { childList: true, subtree: true });
    const token = JSON.parse(localStorage.getItem('blobhub.session')).access_token;
    const ws = new WebSocket('ws://' + location.host + '/v1/realtime', ['authorization.bearer.base64', btoa(token).replace(/=+$/, '')]);
    ws.onopen = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscription/add',
      params: { scope: 'revision', scope_id: '${revisionId}', target: 'execution', target_id: '${execution.id}' } }));
    ws.onmessage = (m) => {
      const frame = JSON.parse(m.data);
      if (frame.id === 1) resolve();
      if (frame.method === 'subscription/event') window.arrived[frame.params.event.id] = performance.now();
    };
  })`);
  await page.locator('[data-testid=event-timeline] [data-type=execution_ended]').waitFor({ timeout: 120_000 });
  const { arrived, shown } = await page.evaluate<{ arrived: Record<string, number>; shown: Record<string, number> }>(
    '({ arrived: window.arrived, shown: window.shown })',
  );
  const latencies = Object.entries(arrived)
    .flatMap(([id, at]) => {
      const shownAt = shown[id];
      return shownAt === undefined ? [] : [shownAt - at];
    })
    .sort((a, b) => a - b);

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`\nExecutions page, ${EXECUTIONS} executions on the revision, ${LOADS} fresh loads:`);
  console.log(
    `  time to interactive   median ${ms(median(tti))}  p95 ${ms(
      percentile(
        [...tti].sort((a, b) => a - b),
        95,
      ),
    )}`,
  );
  console.log(`  baseline: its API call alone (list_executions over /trpc)   median ${ms(median(apiOnly))}`);
  console.log(`\nLive execution (${STEPS} steps), ${latencies.length} events that arrived live on both sockets:`);
  // Negative: the page's own socket got the event before the raw one did.
  console.log(
    `  event-to-screen after raw WebSocket arrival   min ${ms(latencies[0] ?? NaN)}  p50 ${ms(percentile(latencies, 50))}  p95 ${ms(percentile(latencies, 95))}  max ${ms(latencies.at(-1) ?? NaN)}`,
  );
} finally {
  await browser.close();
  await platform.shutdown();
}
