// Browser flow against the REAL running Maestro (five services + the testkit fake upstream started by
// `deploy/maestro up --demo`): Playwright (core) driving Debian's Chromium at 390 px.
// Called by deploy/tests/browser.sh; the pages and selectors are the same as flow.mjs (fake harness),
// but the chat prompts follow the fake upstream's demo script (testkit DemoScript):
//   plain text T            → "Echo: T" streamed in several chunks
//   "think ..."             → a thinking block first, then "Echo: ..."
//   "call tool N with {..}" → a tool call (run_command / write_file have policy "ask" → approval prompt);
//                             after the result → "Tool N returned: ..."
//   "... slow ..."          → 40 chunks 150 ms apart (long enough to cancel)
//   "call tool task with {"description","prompt":P}" → a sub-agent whose own request is P
//
// Environment:
//   MAESTRO_URL            base URL of the gateway, e.g. http://127.0.0.1:8080 (required)
//   MAESTRO_USER           admin login (default admin)
//   MAESTRO_PASSWORD       its password (required)
//   MAESTRO_PROVIDER_URL   base URL of the fake upstream, e.g. http://127.0.0.1:8089/v1 (required)
//   MAESTRO_PROVIDER       provider of the credential (default openai-compatible)
//   MAESTRO_API_KEY        any key not starting with "bad" (default sk-browser-real-key)
//   MAESTRO_MODEL          model id (default: the first one offered for the credential)
//   CHROMIUM               browser binary (default /usr/bin/chromium)
//   SCREENSHOTS            output folder (default ../../../../target/screenshots-real)
// Exit code 0 = every check passed; otherwise the failing check is printed as "FAIL <check>: <detail>".
// The last line is a JSON summary.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumPath, checklist, launch, chatPage, signIn } from './lib.mjs';

const BASE = process.env.MAESTRO_URL;
const USER = process.env.MAESTRO_USER || 'admin';
const PASS = process.env.MAESTRO_PASSWORD;
const PROVIDER_URL = process.env.MAESTRO_PROVIDER_URL;
if (!BASE || !PASS || !PROVIDER_URL) {
  console.error('set MAESTRO_URL, MAESTRO_PASSWORD and MAESTRO_PROVIDER_URL (MAESTRO_USER defaults to admin)');
  process.exit(2);
}
const CHROMIUM = chromiumPath();
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = process.env.SCREENSHOTS || path.resolve(HERE, '../../../../target/screenshots-real');
const API_KEY = process.env.MAESTRO_API_KEY || 'sk-browser-real-key';
const T = 20000;           // the real system on a busy machine: be patient
const RUN = Date.now().toString(36);
const LABEL = 'Browser real ' + RUN;

const { checks, ok, fail, expect } = checklist();
const failures = [];
// A check that records the failure and lets the flow go on (used where later sections do not depend on it).
async function soft(name, fn) {
  try { await fn(); } catch (e) {
    const msg = e.check ? e.message : `${name}: ${e.message.split('\n')[0]}`;
    failures.push(msg); console.log('FAIL ' + msg);
    try { await shot(page, 'failure-' + name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()); } catch (ignored) { /* best effort */ }
  }
}

const { browser, foreign, pageErrors, watch } = await launch(CHROMIUM, BASE);
const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
const page = await ctx.newPage();
watch(page);
let sessionUrl = null;
const { shot, noHorizontalScroll, chatState, send, waitTurn } = chatPage(page, { expect, fail, shotsDir: SHOTS, timeout: T });

// Waits until the last assistant bubble is stored (complete) and its text contains `needle`.
async function waitAnswer(needle, name) {
  try {
    await page.waitForFunction(n => {
      const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
      return m && m.getAttribute('data-status') === 'complete' && m.textContent.includes(n);
    }, needle, { timeout: T });
  } catch (e) {
    fail(name, `no completed answer containing ${JSON.stringify(needle)}; last answer: ${JSON.stringify((await chatState()).text.slice(0, 300))}`);
  }
}
async function toolResults(selector) {
  return page.evaluate(s => Array.from(document.querySelectorAll(s)).map(e => e.textContent).join('|'), selector);
}

try {
  // ---- log in ----
  await page.goto(new URL('/sessions', BASE).href);
  expect(new URL(page.url()).pathname === '/login', 'unauthenticated page redirects to /login', page.url());
  await noHorizontalScroll(page, '/login at 390');
  await shot(page, 'login-390');
  await signIn(page, { user: USER, pass: PASS, expect, ok, timeout: T });

  // ---- add an API-key credential pointing at the fake upstream ----
  await page.goto(new URL('/credentials', BASE).href);
  await page.selectOption('#provider', process.env.MAESTRO_PROVIDER || 'openai-compatible');
  await page.fill('#label', LABEL);
  await page.fill('#apiKey', API_KEY);
  await page.fill('#baseUrl', PROVIDER_URL);
  await Promise.all([page.waitForURL(u => u.pathname === '/credentials', { timeout: T }), page.click('#add-key button[type=submit]')]);
  const flash = (await page.textContent('.flash').catch(() => '')) || '';
  expect(/accepted the key/.test(flash), 'API key added and validated against the fake upstream', flash.trim());
  expect((await page.textContent('#credential-list')).includes(LABEL), 'credential listed');
  expect(!(await page.content()).includes(API_KEY), 'the key itself is never shown');
  await shot(page, 'credentials-added-390');

  // ---- create a session ----
  await page.goto(new URL('/sessions', BASE).href);
  // "New session" is a collapsed <details> once sessions exist: open it like a user would.
  if (!(await page.isVisible('#ns-credential'))) await page.click('details:has(#new-session) > summary');
  const credValue = await page.evaluate(l => {
    const o = Array.from(document.querySelectorAll('#ns-credential option')).find(x => x.textContent.includes(l));
    return o ? o.value : null;
  }, LABEL);
  expect(!!credValue, 'new-session form offers the credential', credValue);
  await page.selectOption('#ns-credential', credValue);
  await page.waitForFunction(() => document.querySelectorAll('#ns-models option').length > 0, null, { timeout: T })
    .catch(() => fail('model list offered for the credential', 'no models listed'));
  const models = await page.evaluate(() => Array.from(document.querySelectorAll('#ns-models option')).map(o => o.value));
  ok('model list offered for the credential', models.join(', '));
  await page.fill('#ns-model', process.env.MAESTRO_MODEL || models[0]);
  await page.fill('#ns-title', 'Real chat ' + RUN);
  await Promise.all([page.waitForURL(u => /^\/sessions\/[^/]+$/.test(u.pathname), { timeout: T }), page.click('#new-session button[type=submit]')]);
  sessionUrl = page.url();
  ok('session created', sessionUrl);
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T })
    .catch(() => fail('chat WebSocket connected', 'connection state never became "live"'));
  ok('chat WebSocket connected');

  // ---- send; the answer grows in several steps before it is complete ----
  const hello = 'hello from the real browser flow, please echo this sentence back';
  await send(hello);
  const lengths = [];
  const deadline = Date.now() + T;
  for (;;) {
    const s = await chatState();
    if (s.len > 0 && lengths[lengths.length - 1] !== s.len && s.turn !== 'complete') lengths.push(s.len);
    if (s.turn === 'complete') break;
    if (Date.now() > deadline) fail('answer completes', 'no turn_completed');
    await page.waitForTimeout(10);
  }
  expect(lengths.length >= 3, 'the answer grows in several steps before it is complete', 'lengths ' + lengths.join(' → '));
  await waitAnswer('Echo: ' + hello, 'the completed answer is the fake model\'s echo');
  ok('the completed answer is the fake model\'s echo');
  expect(await page.locator('#messages .msg-user').count() === 1, 'user message shown once');
  await shot(page, 'chat-streamed-390');

  // ---- MCP (issue 19): attach a resource of the real server-everything; a prompt as a slash command ----
  if (process.env.MCP_EVERYTHING) await soft('mcp resources and prompts', async () => {
    const name = 'bev' + RUN.slice(-6);
    const created = await page.evaluate(async ({ name, js, dir }) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch('/api/v1/mcp-servers', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ name, transport: 'stdio', command: 'node', args: [js, 'stdio'], mounts: [dir] }) });
      return r.json();
    }, { name, js: process.env.MCP_EVERYTHING, dir: process.env.MCP_EVERYTHING_DIR });
    expect(!!created.id, 'MCP server-everything added', JSON.stringify(created).slice(0, 200));
    // polled from here (a predicate returning a promise would count as true at once)
    let status = null;
    for (const until = Date.now() + 60000; status !== 'connected' && Date.now() < until;) {
      status = await page.evaluate(async id => (await (await fetch('/api/v1/mcp-servers/' + id, { credentials: 'same-origin' })).json()).status, created.id);
      if (status !== 'connected') await page.waitForTimeout(300);
    }
    expect(status === 'connected', 'MCP server-everything connected', status);
    await page.goto(sessionUrl);
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
    // the picker
    await page.click('#attach');
    const item = page.locator('#mcp-resources li button', { hasText: name + ': architecture.md' });
    await item.waitFor({ timeout: T });
    await shot(page, 'mcp-picker-390');
    await item.click();
    expect(await page.locator('#mcp-attached .chip', { hasText: 'architecture.md' }).count() === 1, 'picker: the resource is attached as a chip');
    // @ completion
    await page.focus('#text');
    await page.keyboard.type('@features');
    await page.waitForSelector('#mcp-suggest:not([hidden]) li', { timeout: T });
    await page.keyboard.press('Enter');
    expect(await page.locator('#mcp-attached .chip').count() === 2, '@ completion attaches the chosen resource');
    expect((await page.inputValue('#text')) === '', '@ completion leaves no @word in the text');
    await send('what do the attached documents say?');
    // the demo model echoes everything it got, the documents too (long): seeing them proves they reached the
    // model, marked untrusted; then the turn is cancelled rather than waiting for the whole echo
    await page.waitForFunction(() => {
      const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
      return m && m.textContent.includes('Echo: what do the attached documents say?') && m.textContent.includes('<untrusted-mcp-resource server=');
    }, null, { timeout: T }).catch(() => fail('the attached resources reach the model as untrusted context', 'not in the echo'));
    ok('the attached resources reach the model as untrusted context');
    if (await page.isVisible('#cancel')) {
      await page.click('#cancel');
      await page.waitForFunction(() => ['cancelled', 'complete'].includes(document.getElementById('chat').getAttribute('data-turn-status')),
        null, { timeout: T });
    }
    const stored = await page.evaluate(async sid => {
      const r = await fetch('/api/v1/sessions/' + sid, { credentials: 'same-origin' });
      const s = await r.json();
      return s.messages.filter(m => m.role === 'user').pop().content.filter(p => p.type === 'attachment').map(p => p.uri);
    }, new URL(sessionUrl).pathname.split('/').pop());
    expect(stored.length === 2 && stored.some(u => u.endsWith('/architecture.md')), 'the attachments are stored with the message', stored.join(', '));
    await page.reload();
    expect(await page.locator('.attachment-chip', { hasText: 'architecture.md' }).count() >= 1, 'the stored message shows its attachment');
    // a prompt as a slash command; its missing argument is asked for
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
    await page.focus('#text');
    await page.keyboard.type('/' + name + ':args');
    await page.waitForSelector('#mcp-suggest:not([hidden]) li', { timeout: T });
    await page.keyboard.press('Enter');
    expect((await page.inputValue('#text')).startsWith('/' + name + ':args-prompt'), 'slash completion offers the prompt');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#mcp-prompt-args[open] input[name="city"]', { timeout: T });
    await shot(page, 'mcp-prompt-args-390');
    await page.fill('#mcp-prompt-args input[name="city"]', 'Lisbon');
    await page.click('#mcp-args-ok');
    await waitAnswer("Echo: What's weather in Lisbon?", 'the prompt\'s text is sent as the message and answered');
    ok('MCP prompt as a slash command');
    await page.evaluate(async id => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      await fetch('/api/v1/mcp-servers/' + id, { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } });
    }, created.id);
  });

  // ---- a message containing <script> and <b> shows as text ----
  await soft('script and b as text', async () => {
    const evil = '<script>window.__pwned = 1</script> and <b>bold</b> and <img src=x onerror="window.__pwned=2">';
    await send(evil);
    await waitTurn();
    await waitAnswer('Echo: ', 'echo of the HTML message stored');
    const xss = await page.evaluate(() => ({
      pwned: window.__pwned, b: document.querySelectorAll('#messages b').length,
      scripts: document.querySelectorAll('#messages script').length, imgs: document.querySelectorAll('#messages img').length,
      user: Array.from(document.querySelectorAll('#messages .msg-user')).pop().textContent,
      answer: Array.from(document.querySelectorAll('#messages .msg-assistant')).pop().textContent,
    }));
    expect(xss.pwned === undefined && xss.b === 0 && xss.scripts === 0 && xss.imgs === 0
      && xss.user.includes('<b>bold</b>') && xss.user.includes('<script>'),
      '<script> and <b> in the user message show as text (live)', JSON.stringify({ b: xss.b, scripts: xss.scripts, imgs: xss.imgs }));
    expect(xss.answer.includes('<b>bold</b>') && xss.answer.includes('<script>'),
      'the echoed <script> and <b> show as text in the answer (live)', xss.answer.replace(/\s+/g, ' ').trim().slice(0, 120));
    await page.reload();
    const xss2 = await page.evaluate(() => ({ pwned: window.__pwned, b: document.querySelectorAll('#messages b').length,
      scripts: document.querySelectorAll('#messages script').length, text: document.getElementById('messages').textContent }));
    expect(xss2.pwned === undefined && xss2.b === 0 && xss2.scripts === 0 && xss2.text.includes('<b>bold</b>') && xss2.text.includes('<script>'),
      '<script> and <b> show as text (server-rendered page)');
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
    await shot(page, 'chat-html-as-text-390');
  });

  // ---- thinking first ----
  await soft('thinking', async () => {
    const before = await send('think about it');
    await page.waitForFunction(n => { const all = document.querySelectorAll('#messages .msg-assistant');
      return all.length > n && all[all.length - 1].querySelector('details.thinking'); }, before.count, { timeout: T });
    ok('thinking streams into a details block');
    await waitTurn();
    await waitAnswer('Echo: think about it', 'answer after thinking');
    // The streamed bubble is swapped for the server-rendered copy (thinking collapsed) once stored.
    await page.waitForFunction(() => { const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
      const d = m && m.querySelector('details.thinking'); return d && !d.open; }, null, { timeout: T }).catch(() => {});
    const th = await page.evaluate(() => { const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
      const d = m.querySelector('details.thinking');
      const all = m.querySelector('.parts').textContent;
      return d && { open: d.open, text: d.textContent, first: all.indexOf('I will answer') < all.indexOf('Echo: think about it') }; });
    expect(th && th.first && th.text.includes('I will answer'), 'thinking comes first, then the answer', JSON.stringify(th));
    expect(!th.open, 'completed thinking is collapsed', JSON.stringify(th));
    await shot(page, 'chat-thinking-390');
  });

  // ---- approve a tool (run_command has policy "ask") ----
  await soft('approve a tool', async () => {
    await send('call tool run_command with {"command":"echo workbench"}');
    await page.waitForSelector('.approval button.allow', { timeout: T })
      .catch(() => fail('approval prompt for run_command', 'no Allow button appeared'));
    const q = await page.textContent('.approval');
    expect(/run_command/.test(q), 'approval prompt names the tool', q.trim().replace(/\s+/g, ' ').slice(0, 120));
    await shot(page, 'chat-approval-390');
    const focused = await page.evaluate(() => document.activeElement.className);
    expect(/allow/.test(focused), 'approval prompt takes keyboard focus on Allow');
    await page.keyboard.press('Enter');
    await waitTurn();
    await waitAnswer('Tool run_command returned:', 'the model answered with the tool result');
    const answer = (await chatState()).text;
    const results = await toolResults('details.tool pre.result');
    expect(/workbench/.test(results) && /Tool run_command returned:[\s\S]*workbench/.test(answer),
      'allowed tool ran and the answer used its result', `result ${JSON.stringify(results.slice(0, 160))}; answer ${JSON.stringify(answer.replace(/\s+/g, ' ').trim().slice(-160))}`);
    await shot(page, 'chat-approved-390');
  });

  // ---- deny a tool (write_file has policy "ask") ----
  await soft('deny a tool', async () => {
    const errorsBefore = (await toolResults('details.tool pre.result.error')).length;
    await send(`call tool write_file with {"path":"browser-denied-${RUN}.txt","content":"must not be written"}`);
    await page.waitForSelector('.approval button.deny', { timeout: T })
      .catch(() => fail('approval prompt for write_file', 'no Deny button appeared'));
    await page.click('.approval button.deny');
    await waitTurn();
    await waitAnswer('Tool write_file returned:', 'the model was told about the denial');
    const denied = await page.evaluate(() => {
      const boxes = Array.from(document.querySelectorAll('details.tool'));
      const b = boxes[boxes.length - 1];
      const r = b && b.querySelector('pre.result');
      return r ? { text: r.textContent, error: r.classList.contains('error'), state: (b.querySelector('.tool-state') || {}).textContent } : null;
    });
    const answer = (await chatState()).text;
    expect(denied && denied.error && /denied/i.test(denied.text), 'denied tool shows an error result saying it was denied', JSON.stringify(denied));
    expect(/Tool write_file returned:.*denied/i.test(answer), 'the model was told the tool was denied', JSON.stringify(answer.replace(/\s+/g, ' ').trim().slice(-200)));
    void errorsBefore;
    await shot(page, 'chat-denied-390');
    // read_file is "allow": no prompt, and it proves the denied write did not happen.
    await send(`call tool read_file with {"path":"browser-denied-${RUN}.txt"}`);
    await waitTurn();
    await waitAnswer('Tool read_file returned:', 'read_file ran without a prompt');
    const check = (await chatState()).text.replace(/\s+/g, ' ').trim();
    expect(!check.includes('must not be written'), 'the denied write_file did not write the file', check.slice(0, 200));
  });

  // ---- sub-agent (the built-in task tool): a collapsed block, its approval answered here, the parent's workspace ----
  await soft('sub-agent', async () => {
    const child = `call tool run_command with {"command":"echo from-child-${RUN} | tee sub-${RUN}.txt"}`;
    await send('call tool task with ' + JSON.stringify({ description: 'child writes a file', prompt: child }));
    await page.waitForSelector('details.subagent', { state: 'attached', timeout: T })
      .catch(() => fail('sub-agent block appears', 'no details.subagent in the chat'));
    const block = await page.evaluate(() => { const d = Array.from(document.querySelectorAll('details.subagent')).pop();
      const a = d.querySelector('a.subagent-link');
      return { open: d.open, desc: d.querySelector('.subagent-desc').textContent, href: a && a.getAttribute('href') }; });
    expect(!block.open && block.desc === 'child writes a file' && /^\/sessions\/[0-9a-f-]{36}$/.test(block.href || ''),
      'the sub-agent shows as a collapsed block with its description and a link to its session', JSON.stringify(block));
    // the child's run_command (policy ask) is approved through the parent's page
    await page.waitForSelector('.approval button.allow', { timeout: T })
      .catch(() => fail('sub-agent approval in the parent', 'no Allow button appeared'));
    const q = await page.textContent('.approval');
    expect(/sub-agent/i.test(q) && /run_command/.test(q), 'the child\'s approval prompt shows in the parent', q.trim().replace(/\s+/g, ' ').slice(0, 120));
    await shot(page, 'chat-subagent-approval-390');
    await page.click('.approval button.allow');
    await waitTurn();
    await waitAnswer('Tool task returned:', 'the parent answered with the sub-agent\'s result');
    const done = await page.evaluate(() => { const d = Array.from(document.querySelectorAll('details.subagent')).pop();
      return d && { status: d.getAttribute('data-status'), text: d.querySelector('.subagent-text').textContent }; });
    expect(done && done.status === 'complete' && done.text.includes('Tool run_command returned:'),
      'the block streamed the child\'s text and ends complete', JSON.stringify(done));
    const answer = (await chatState()).text;
    expect(answer.includes(`from-child-${RUN}`), 'the child\'s final answer came back as the task result', answer.replace(/\s+/g, ' ').trim().slice(-200));
    await page.evaluate(() => { const d = Array.from(document.querySelectorAll('details.subagent')).pop(); d.open = true; });
    await shot(page, 'chat-subagent-390');
    // the child worked in the parent's workspace: the parent reads the file it wrote
    await send(`call tool read_file with {"path":"sub-${RUN}.txt"}`);
    await waitTurn();
    await waitAnswer('Tool read_file returned:', 'the parent reads the sub-agent\'s file');
    expect((await chatState()).text.includes(`Tool read_file returned: from-child-${RUN}`), 'the sub-agent wrote into the parent\'s workspace');
  });

  // ---- cancel while streaming ----
  await soft('cancel', async () => {
    const before = await send('tell me a slow story');
    await page.waitForFunction(n => { const all = document.querySelectorAll('#messages .msg-assistant');
      return all.length > n && / 3\b/.test(all[all.length - 1].querySelector('.parts').textContent); }, before.count, { timeout: T })
      .catch(() => fail('slow answer streams', 'no slow chunks arrived'));
    expect(await page.isVisible('#cancel'), 'Cancel is offered while streaming');
    await page.click('#cancel');
    await waitTurn('cancelled');
    const lenAtCancel = (await chatState()).len;
    await page.waitForTimeout(1000); // chunks come every 150 ms: nothing may arrive after a cancel
    const s = await chatState();
    expect(s.len === lenAtCancel && !(await page.isVisible('#cancel')) && !/ 39\b/.test(s.text),
      'cancel stops the stream before the end', `${lenAtCancel} chars, then ${s.len}`);
    const label = await page.evaluate(() => { const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
      return m.getAttribute('data-status') + ' / ' + ((m.querySelector('.status') || {}).textContent || ''); });
    expect(/cancelled/.test(label), 'the cancelled answer is marked cancelled', label);
    await shot(page, 'chat-cancelled-390');
    // the session still works after a cancel
    await send('still there after the cancel');
    await waitTurn();
    await waitAnswer('Echo: still there after the cancel', 'a new message works after a cancel');
    ok('a new message works after a cancel');
  });

  // ---- issue 16: queue while a turn runs (edit, remove), the Running page, plan mode ----
  await soft('queue while running', async () => {
    // the turn waits for an approval (run_command asks) while messages are queued behind it
    await send('call tool run_command with {"command":"echo held"}');
    await page.waitForSelector('.approval button.allow-session', { timeout: T })
      .catch(() => fail('approval with allow for this session', 'no "Allow for this session" button appeared'));
    expect(await page.isVisible('#steer'), 'Steer is offered while a turn runs');
    for (const text of ['queued one', 'queued two', 'queued three']) {
      await page.fill('textarea[name="text"]', text);
      await page.press('textarea[name="text"]', 'Enter');
      await page.waitForFunction(t => Array.from(document.querySelectorAll('#queue-list .queued-text')).some(e => e.textContent === t),
        text, { timeout: T }).catch(() => fail('queued message listed', `${text} not in the queue list`));
    }
    ok('three messages queued during the turn are listed');
    await shot(page, 'chat-queued-390');
    // edit the second, remove the third
    await page.click('#queue-list li:nth-child(2) button.edit');
    await page.fill('#queue-list li:nth-child(2) input.queued-edit', 'queued two edited');
    await page.click('#queue-list li:nth-child(2) button.save');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#queue-list .queued-text')).some(e => e.textContent === 'queued two edited'),
      null, { timeout: T }).catch(() => fail('queued message edited', 'the edit is not shown'));
    await page.click('#queue-list li:nth-child(3) button.remove');
    await page.waitForFunction(() => document.querySelectorAll('#queue-list li').length === 2, null, { timeout: T })
      .catch(() => fail('queued message removed', 'still listed'));
    ok('a queued message is edited and another removed');
    // the Running page lists the session while its turn runs; the navigation shows a badge
    const other = await ctx.newPage();
    watch(other);
    await other.goto(new URL('/runs', BASE).href);
    const runs = await other.evaluate(() => Array.from(document.querySelectorAll('#run-list .run-item')).map(e => e.getAttribute('data-status') + ' ' + e.textContent.replace(/\s+/g, ' ').trim()));
    expect(runs.some(r => /Real chat/.test(r) && /^waiting_approval/.test(r) && /2 queued/.test(r)),
      'the Running page lists the session as waiting for approval with 2 queued', runs.join(' | '));
    await other.waitForFunction(() => { const b = document.getElementById('runs-badge'); return b && !b.hidden && Number(b.textContent) >= 1; },
      null, { timeout: T }).catch(() => fail('running badge', 'the navigation badge never showed a running turn'));
    ok('the navigation badge counts the running turn');
    await shot(other, 'runs-390');
    await other.close();
    await page.click('.approval button.allow-session');
    await page.waitForFunction(() => document.getElementById('messages').textContent.includes('Tool run_command returned:'), null, { timeout: T })
      .catch(() => fail('allowed for the session', 'the tool never ran'));
    ok('"Allow for this session" lets the waiting tool run');
    // the queued messages run as the next turns, in order, and leave the queue
    await page.waitForFunction(() => { const t = document.getElementById('messages').textContent;
      return t.includes('Echo: queued one') && t.includes('Echo: queued two edited'); }, null, { timeout: 3 * T })
      .catch(async () => fail('queued turns ran', (await chatState()).all.slice(-300)));
    const order = await page.evaluate(() => Array.from(document.querySelectorAll('#messages .msg-user')).map(e => e.textContent.trim()).slice(-2));
    expect(/queued one/.test(order[0]) && /queued two edited/.test(order[1]), 'queued messages ran in order', JSON.stringify(order));
    expect(!(await page.textContent('#messages')).includes('queued three'), 'the removed message never ran');
    await page.waitForFunction(() => document.getElementById('queue').hidden, null, { timeout: T })
      .catch(() => fail('queue emptied', 'the queue list is still shown'));
    ok('the queue is empty once its messages started');
    // plan mode toggle
    await page.check('#plan-mode');
    await page.waitForFunction(() => document.getElementById('chat').getAttribute('data-mode') === 'plan', null, { timeout: T })
      .catch(() => fail('plan mode', 'data-mode never became plan'));
    await page.reload();
    expect(await page.isChecked('#plan-mode'), 'plan mode is stored (checked after a reload)');
    await page.uncheck('#plan-mode');
    await page.waitForFunction(() => document.getElementById('chat').getAttribute('data-mode') === 'build', null, { timeout: T });
    ok('plan mode toggles and is stored');
  });

  // ---- issue 16: a browser Notification when a run finishes while the user is on another page ----
  await soft('run finished notification', async () => {
    // the permission is granted to the context and window.Notification recorded (in pages opened from now on)
    await ctx.grantPermissions(['notifications'], { origin: new URL(BASE).origin });
    await ctx.addInitScript(() => {
      const Real = window.Notification;
      window.__notifications = [];
      function Recorded(title, options) {
        window.__notifications.push({ title: String(title), body: options && options.body });
        try { return new Real(title, options); } catch (e) { return {}; }
      }
      Object.defineProperty(Recorded, 'permission', { get: () => (Real ? Real.permission : 'denied') });
      Recorded.requestPermission = (...a) => Real.requestPermission(...a);
      window.Notification = Recorded;
    });
    // a turn that waits for approval stays running until answered: the other page's first poll sees it
    // (write_file: run_command was allowed for this whole session above, so it would not wait)
    await send(`call tool write_file with {"path":"notify-${RUN}.txt","content":"notify"}`);
    await page.waitForSelector('.approval button.allow', { timeout: T })
      .catch(() => fail('notification: turn waits', 'no Allow button appeared'));
    const other = await ctx.newPage();
    watch(other);
    await other.goto(new URL('/sessions', BASE).href);
    expect(await other.evaluate(() => Notification.permission) === 'granted', 'the notification permission is granted in the context');
    await other.waitForFunction(() => Number(document.documentElement.getAttribute('data-runs')) >= 1, null, { timeout: T })
      .catch(() => fail('notification: run seen', 'the other page never saw the run as running'));
    await page.click('.approval button.allow');
    await waitTurn();
    // the next poll (every 5 s) finds the run gone: "Run finished", named after the session
    await other.waitForFunction(() => window.__notifications.some(n => n.title === 'Run finished'), null, { timeout: T })
      .catch(async () => fail('run finished notification', JSON.stringify(await other.evaluate(() => window.__notifications))));
    const shown = await other.evaluate(() => window.__notifications.find(n => n.title === 'Run finished'));
    expect(/Real chat/.test(shown.body || ''), 'a Notification "Run finished" named the session while the user was on another page',
      JSON.stringify(shown));
    await other.close();
  });

  // ---- every page loads and works at 390 px, no horizontal scroll, screenshots ----
  await page.setViewportSize({ width: 390, height: 844 });
  const sid = new URL(sessionUrl).pathname;
  const pages = [['sessions', '/sessions', '#session-list'], ['chat', sid, '#messages'], ['credentials', '/credentials', '#credential-list'],
                 ['tools', '/tools', 'form[action^="/tools/"]'], ['mcp', '/mcp', '#add-mcp'], ['templates', '/templates', '#new-template'],
                 ['settings', '/settings', '#user-list'], ['runs', '/runs', '#no-runs, #run-list .run-item']];
  for (const [name, p, sel] of pages) {
    await soft(`page ${p}`, async () => {
      const resp = await page.goto(new URL(p, BASE).href);
      expect(resp && resp.status() === 200 && new URL(page.url()).pathname === p, `${p} loads`, `status ${resp && resp.status()} at ${page.url()}`);
      await page.waitForSelector(sel, { timeout: T }).catch(() => fail(`${p} shows its content`, `no ${sel}`));
      await page.evaluate(() => document.querySelectorAll('details').forEach(d => { d.open = true; }));
      await noHorizontalScroll(page, `${p} at 390`);
      await shot(page, `${name}-390`);
    });
  }

  // ...and works: one real action per page
  await soft('sessions search', async () => {
    await page.goto(new URL('/sessions?q=' + encodeURIComponent('Real chat ' + RUN), BASE).href);
    expect((await page.textContent('#session-list')).includes('Real chat ' + RUN), '/sessions: search finds the session');
  });
  await soft('chat page reload', async () => {
    await page.goto(sessionUrl);
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
    const t = await page.textContent('#messages');
    expect(t.includes('Echo: ' + hello) && t.includes('Tool run_command returned:'), '/sessions/{id}: history is rendered after a reload');
  });
  await soft('tools policy', async () => {
    await page.goto(new URL('/tools', BASE).href);
    const old = await page.inputValue('#policy-read_file');
    const next = old === 'ask' ? 'allow' : 'ask';
    await page.selectOption('#policy-read_file', next);
    await Promise.all([page.waitForURL(u => u.pathname === '/tools', { timeout: T }), page.click('form[action="/tools/read_file"] button')]);
    expect((await page.inputValue('#policy-read_file')) === next, '/tools: policy change saved', `${old} → ${next}`);
    await page.selectOption('#policy-read_file', old);
    await Promise.all([page.waitForURL(u => u.pathname === '/tools', { timeout: T }), page.click('form[action="/tools/read_file"] button')]);
    expect((await page.inputValue('#policy-read_file')) === old, '/tools: policy restored', old);
  });
  await soft('mcp add and remove', async () => {
    // A stdio server whose command exits at once: offline and harmless; the page must list it with a
    // status and remove it again.
    await page.goto(new URL('/mcp', BASE).href);
    const mname = 'browser-' + RUN;
    await page.fill('#mcp-name', mname);
    await page.fill('#mcp-command', 'true');
    await Promise.all([page.waitForURL(u => u.pathname === '/mcp', { timeout: T }), page.click('#add-mcp button[type=submit]')]);
    const card = page.locator('#mcp-list li.card', { hasText: mname });
    const n = await card.count();
    const flash = await page.evaluate(() => Array.from(document.querySelectorAll('.flash')).map(e => e.textContent.trim()).join(' | '));
    expect(n === 1, '/mcp: server added and listed', n ? (await card.locator('.badge').textContent()) : `not listed; flash: ${flash}`);
    await noHorizontalScroll(page, '/mcp with a server at 390');
    await shot(page, 'mcp-390');
    await Promise.all([page.waitForURL(u => u.pathname === '/mcp', { timeout: T }), card.locator('form[action$="/delete"] button').click()]);
    expect(await page.locator('#mcp-list li.card', { hasText: mname }).count() === 0, '/mcp: server removed');
  });
  await soft('templates create', async () => {
    await page.goto(new URL('/templates', BASE).href);
    const tname = 'Reviewer ' + RUN;
    await page.fill('#nt-name', tname);
    await page.fill('#nt-model', process.env.MAESTRO_MODEL || models[0]);
    await page.fill('#nt-system', 'You review code.');
    await Promise.all([page.waitForURL(u => u.pathname === '/templates', { timeout: T }), page.click('#new-template button[type=submit]')]);
    expect((await page.textContent('#template-list')).includes(tname), '/templates: template created');
    await noHorizontalScroll(page, '/templates with a template at 390');
    await shot(page, 'templates-390');
  });
  await soft('settings users', async () => {
    await page.goto(new URL('/settings', BASE).href);
    await page.waitForFunction(() => !document.getElementById('user-list').textContent.includes('Loading'), null, { timeout: T });
    expect((await page.textContent('#user-list')).includes(USER), '/settings: user list loads and shows the admin');
  });

  // ---- budgets (issue 16): the admin sets their own monthly budget to $0 on /usage; the next turn is
  // refused before any provider request, saying what remains; the usage page works at 390 px ----
  await soft('budget refusal and usage page', async () => {
    const setBudget = async (amount) => {
      await page.goto(new URL('/usage', BASE).href);
      const me = await page.evaluate(u => {
        const o = Array.from(document.querySelectorAll('#b-user option')).find(x => x.textContent.trim() === u);
        return o ? o.value : null;
      }, USER);
      expect(!!me, '/usage: the budget form offers the signed-in admin', me);
      await page.selectOption('#b-user', me);
      await page.fill('#b-amount', amount);
      await Promise.all([page.waitForURL(u => u.pathname === '/usage', { timeout: T }), page.click('#set-budget button[type=submit]')]);
      return (await page.textContent('.flash').catch(() => '')) || '';
    };
    await page.goto(new URL('/usage?groupBy=model', BASE).href);
    await page.waitForSelector('#usage-table', { timeout: T }).catch(() => fail('/usage shows its table', 'no #usage-table'));
    const table = await page.textContent('#usage-table');
    expect(/\$\d+\.\d{4}/.test(await page.textContent('#usage-total')) && /\//.test(table),
      '/usage: the table lists the models used this month with a total cost', table.replace(/\s+/g, ' ').trim().slice(0, 160));
    await noHorizontalScroll(page, '/usage at 390');
    await shot(page, 'usage-390');
    const flash = await setBudget('0');
    expect(/Monthly budget set to \$0\.0000/.test(flash), '/usage: the admin sets a monthly budget of $0', flash.trim());
    expect(/\$0\.0000 of \$0\.0000 left/.test(await page.textContent('#budget')), '/usage: the budget card shows it');
    await page.goto(sessionUrl);
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
    await send('this message is over budget and must never reach the model');
    await waitTurn('error');
    const err = (await page.textContent('#turn-error')) || '';
    expect(/monthly budget does not cover this request/.test(err) && /remain/.test(err) && await page.isVisible('#turn-error'),
      'a turn over the budget is refused before the provider, saying what remains', err.trim().slice(0, 200));
    await shot(page, 'chat-budget-refused-390');
    const removed = await setBudget('');
    expect(/Monthly budget removed/.test(removed), '/usage: the budget is removed again', removed.trim());
  });

  await soft('audit filter', async () => {
    // issue 17: the admin's Audit page, filtered to tool executions, lists the run_command of the chat above
    await page.goto(new URL('/audit', BASE).href);
    await page.fill('#a-action', 'executeTool');
    await Promise.all([page.waitForURL(u => u.pathname === '/audit' && u.search.includes('action=executeTool'), { timeout: T }),
      page.click('#audit-filter button[type=submit]')]);
    const list = (await page.locator('#audit-list').count()) ? await page.textContent('#audit-list') : '';
    expect(list.includes('run_command') && !list.includes('signIn'), '/audit: the filter shows the tool execution of the chat',
      list.slice(0, 200));
    await noHorizontalScroll(page, '/audit at 390');
    await shot(page, 'audit-390');
  });

  // ---- sign out ----
  await soft('sign out', async () => {
    await page.goto(new URL('/sessions', BASE).href);
    await Promise.all([page.waitForURL(u => u.pathname === '/login', { timeout: T }), page.click('.logout button')]);
    await page.goto(new URL('/sessions', BASE).href);
    expect(new URL(page.url()).pathname === '/login', 'signed out: pages redirect to /login again');
  });

  await soft('no foreign requests', async () => expect(foreign.length === 0, 'no request to any other host', foreign.join(', ')));
  await soft('no JS errors', async () => {
    // The wrong-password attempt answers 401 on purpose; the browser logs that as a failed load.
    const errs = pageErrors.filter(e => !/WebSocket/.test(e) && !/status of 401/.test(e));
    expect(errs.length === 0, 'no JavaScript errors', errs.join(' | '));
  });
} catch (e) {
  try { await shot(page, 'failure'); } catch (ignored) { /* best effort */ }
  failures.push(e.message.split('\n')[0]);
  console.log('FAIL ' + e.message.split('\n')[0]);
}
await browser.close();
console.log(`screenshots: ${SHOTS}`);
if (failures.length) {
  console.log(`real-flow: ${failures.length} check(s) FAILED (${checks.length} passed):`);
  for (const f of failures) console.log('  - ' + f);
}
console.log(JSON.stringify({ ok: failures.length === 0, passed: checks.length, failed: failures }));
process.exit(failures.length === 0 ? 0 : 1);
