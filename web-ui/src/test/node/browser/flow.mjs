// Browser flow for the Maestro web UI: Playwright (core) driving Debian's Chromium.
// Runs against any gateway: the web-ui test harness (fake services) or a real deployment.
//
// Environment:
//   MAESTRO_URL            base URL, e.g. http://127.0.0.1:8080              (required)
//   MAESTRO_USER / MAESTRO_PASSWORD   an admin login                           (required)
//   MAESTRO_PROVIDER       provider of the API key to add (default openai-compatible)
//   MAESTRO_API_KEY        the key (default sk-test-key)
//   MAESTRO_PROVIDER_URL   its base URL, e.g. the testkit fake (optional)
//   MAESTRO_MODEL          model id to start the session with (default: first offered)
//   CHROMIUM               browser binary (default /usr/bin/chromium)
//   SCREENSHOTS            output folder (default ./screenshots)
// The chat prompts follow the harness script: "think" streams thinking first, "tool" asks for an
// approved tool call, "drain" asks for two and asks again (restored) as a drained node's successor
// does, "elicit" has an MCP tool ask for a form, "slow" streams long enough to cancel
// (MAESTRO_FLOW_SKIP=thinking,tools,restored,elicitation,cancel
// leaves those sections out). Exit code 0 = every check passed; the last line is a JSON summary.
import { chromiumPath, checklist, launch, chatPage, signIn } from './lib.mjs';

const BASE = process.env.MAESTRO_URL;
const USER = process.env.MAESTRO_USER;
const PASS = process.env.MAESTRO_PASSWORD;
if (!BASE || !USER || !PASS) { console.error('set MAESTRO_URL, MAESTRO_USER and MAESTRO_PASSWORD'); process.exit(2); }
const CHROMIUM = chromiumPath();
const SHOTS = process.env.SCREENSHOTS || './screenshots';
// Sections that need scripted model behaviour can be skipped against a real provider:
// MAESTRO_FLOW_SKIP=thinking,tools,cancel
const SKIP = new Set((process.env.MAESTRO_FLOW_SKIP || '').split(',').map(x => x.trim()).filter(Boolean));
const T = Number(process.env.BROWSER_TIMEOUT_MS || 15000);

const { checks, ok, fail, expect } = checklist();
const { browser, foreign, pageErrors, watch } = await launch(CHROMIUM, BASE);
const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
const page = await ctx.newPage();
watch(page);
let sessionUrl = null;
const { shot, noHorizontalScroll, chatState, send, waitTurn } = chatPage(page, { expect, fail, shotsDir: SHOTS, timeout: T });

try {
  // ---- login ----
  await page.goto(new URL('/sessions', BASE).href);
  expect(new URL(page.url()).pathname === '/login', 'unauthenticated page redirects to /login', page.url());
  await shot(page, 'login-390');
  await noHorizontalScroll(page, '/login at 390');
  await page.focus('#username');
  await page.keyboard.press('Tab');
  const afterTab = await page.evaluate(() => document.activeElement.id);
  await page.keyboard.press('Tab');
  const afterTab2 = await page.evaluate(() => document.activeElement.textContent.trim());
  expect(afterTab === 'password' && afterTab2 === 'Sign in', 'keyboard focus order on login', `${afterTab}, ${afterTab2}`);
  await signIn(page, { user: USER, pass: PASS, expect, ok, timeout: T });

  // ---- credentials: add an API key ----
  await page.goto(new URL('/credentials', BASE).href);
  await page.selectOption('#provider', process.env.MAESTRO_PROVIDER || 'openai-compatible');
  await page.fill('#label', 'Browser test key');
  await page.fill('#apiKey', process.env.MAESTRO_API_KEY || 'sk-test-key');
  if (process.env.MAESTRO_PROVIDER_URL) await page.fill('#baseUrl', process.env.MAESTRO_PROVIDER_URL);
  await Promise.all([page.waitForURL(u => u.pathname === '/credentials', { timeout: T }), page.click('#add-key button[type=submit]')]);
  const flash = await page.textContent('.flash');
  expect(/accepted the key/.test(flash), 'API key added and validated', flash.trim());
  expect((await page.textContent('#credential-list')).includes('Browser test key'), 'credential listed (masked)');
  expect(!(await page.content()).includes(process.env.MAESTRO_API_KEY || 'sk-test-key'), 'the key itself is never shown');

  // ---- new session ----
  await page.goto(new URL('/sessions', BASE).href);
  const credValue = await page.evaluate(() => Array.from(document.querySelectorAll('#ns-credential option')).find(o => o.textContent.includes('Browser test key')).value);
  await page.selectOption('#ns-credential', credValue);
  await page.waitForFunction(() => document.querySelectorAll('#ns-models option').length > 0, null, { timeout: T });
  ok('model list offered for the credential', String(await page.evaluate(() => document.querySelectorAll('#ns-models option').length)) + ' models');
  if (process.env.MAESTRO_MODEL) await page.fill('#ns-model', process.env.MAESTRO_MODEL);
  await page.fill('#ns-title', 'First chat');
  await Promise.all([page.waitForURL(u => /^\/sessions\/[^/]+$/.test(u.pathname), { timeout: T }), page.click('#new-session button[type=submit]')]);
  sessionUrl = page.url();
  ok('session created', sessionUrl);
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
  ok('chat WebSocket connected');
  await page.waitForFunction(() => document.getElementById('presence').textContent.includes('web'), null, { timeout: T });
  ok('chat shows where the session is open', await page.textContent('#presence'));
  const listPage = await ctx.newPage();
  watch(listPage);
  await listPage.goto(new URL('/sessions', BASE).href);
  const sid = new URL(sessionUrl).pathname.split('/').pop();
  await listPage.waitForFunction(id => (document.querySelector(`[data-presence-for="${id}"]`) || {}).textContent?.includes('web'), sid, { timeout: T });
  ok('session list shows presence (open in web)');
  await listPage.close();

  // ---- the answer grows in several steps ----
  await send('hello there');
  const lengths = [];
  const deadline = Date.now() + T;
  for (;;) {
    const s = await chatState();
    if (s.len > 0 && lengths[lengths.length - 1] !== s.len && s.turn !== 'complete') lengths.push(s.len);
    if (s.turn === 'complete') break;
    if (Date.now() > deadline) fail('answer completes', 'no turn_completed');
    await page.waitForTimeout(15);
  }
  expect(lengths.length >= 3, 'the answer grows in several steps before it is complete', 'lengths ' + lengths.join(' → '));
  await page.waitForSelector('#messages .msg-assistant .code button.copy', { timeout: T });
  ok('completed answer is rendered server-side with a code-block copy button');
  const userBubbles = await page.locator('#messages .msg-user').count();
  expect(userBubbles === 1, 'user message shown once', String(userBubbles));
  await shot(page, 'chat-streamed-390');

  // ---- Shift+Enter adds a line, Enter sends ----
  const countBefore = (await chatState()).count;
  await page.fill('textarea[name="text"]', 'line one');
  await page.press('textarea[name="text"]', 'Shift+Enter');
  await page.type('textarea[name="text"]', 'line two');
  const v = await page.inputValue('textarea[name="text"]');
  expect(v === 'line one\nline two' && (await chatState()).count === countBefore, 'Shift+Enter adds a line without sending');
  await page.evaluate(() => document.getElementById('chat').removeAttribute('data-turn-status'));
  await page.press('textarea[name="text"]', 'Enter');
  await waitTurn();
  expect(await page.inputValue('textarea[name="text"]') === '', 'Enter sent the two-line message');

  // ---- <script> and <b> are shown as text ----
  const evil = '<script>window.__pwned = 1</script> and <b>bold</b> and <img src=x onerror="window.__pwned=2">';
  await send(evil);
  await waitTurn();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#messages .msg-assistant')).pop().getAttribute('data-status') === 'complete', null, { timeout: T });
  const xss = await page.evaluate(() => ({
    pwned: window.__pwned, b: document.querySelectorAll('#messages b').length,
    scripts: document.querySelectorAll('#messages script').length, imgs: document.querySelectorAll('#messages img').length,
    text: document.getElementById('messages').textContent,
  }));
  expect(xss.pwned === undefined && xss.b === 0 && xss.scripts === 0 && xss.imgs === 0 && xss.text.includes('<b>bold</b>') && xss.text.includes('<script>'),
    '<script> and <b> show as text (live)', JSON.stringify({ b: xss.b, scripts: xss.scripts, imgs: xss.imgs }));
  await page.reload();
  const xss2 = await page.evaluate(() => ({ pwned: window.__pwned, b: document.querySelectorAll('#messages b').length,
    text: document.getElementById('messages').textContent }));
  expect(xss2.pwned === undefined && xss2.b === 0 && xss2.text.includes('<b>bold</b>'), '<script> and <b> show as text (server-rendered page)');
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });

  if (!SKIP.has('thinking')) {
  // ---- thinking streams live, then sits collapsed in <details> ----
  const beforeThink = await send('think about it');
  await page.waitForFunction(n => { const all = document.querySelectorAll('#messages .msg-assistant'); const m = all[all.length - 1];
    return all.length > n && m.querySelector('details.thinking[open]'); }, beforeThink.count, { timeout: T });
  ok('thinking streams into an open details block');
  await waitTurn();
  await page.waitForFunction(() => { const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
    return m.getAttribute('data-status') === 'complete' && m.querySelector('em'); }, null, { timeout: T });
  const thinking = await page.evaluate(() => { const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
    const d = m.querySelector('details.thinking'); return d && { open: d.open, text: d.textContent }; });
  expect(thinking && !thinking.open && thinking.text.includes('the <question>'), 'completed thinking is collapsed and escaped', JSON.stringify(thinking));

  }

  if (!SKIP.has('tools')) {
  // ---- approve a tool ----
  await send('please use the tool');
  await page.waitForSelector('.approval button.allow', { timeout: T });
  await shot(page, 'chat-approval-390');
  const focused = await page.evaluate(() => document.activeElement.className);
  expect(/allow/.test(focused), 'approval prompt takes keyboard focus on Allow');
  await page.keyboard.press('Enter');
  await waitTurn();
  const allowed = await page.evaluate(() => Array.from(document.querySelectorAll('details.tool pre.result')).map(e => e.textContent).join('|'));
  expect(/workbench/.test(allowed) && /workbench/.test((await chatState()).text), 'allowed tool ran and the answer used its result');

  // ---- deny a tool ----
  await send('use the tool again');
  await page.waitForSelector('.approval button.deny', { timeout: T });
  await page.click('.approval button.deny');
  await waitTurn();
  const denied = await page.evaluate(() => Array.from(document.querySelectorAll('details.tool pre.result.error')).map(e => e.textContent).join('|'));
  expect(/denied/.test(denied) && /will not/.test((await chatState()).text), 'denied tool did not run and the model was told');

  }

  if (!SKIP.has('restored')) {
  // ---- a drain moves the waiting turn: the next node asks again (restored); an answered call is not asked again ----
  await send('two calls, then a drain');
  await page.waitForFunction(() => document.querySelectorAll('details.tool[data-call-id^="call_drain_"] .approval').length === 2,
    null, { timeout: T });
  await page.click('details.tool[data-call-id^="call_drain_a_"] .approval button.allow');
  // the re-asks come before this text: once it shows, the page has handled them
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#messages .msg-assistant')).pop()
    .textContent.includes('(moved to another node)'), null, { timeout: T });
  const moved = await page.evaluate(() => ['a', 'b'].map(k => {
    const box = document.querySelector('details.tool[data-call-id^="call_drain_' + k + '_"]');
    return { prompts: box.querySelectorAll('.approval').length, state: box.querySelector('.tool-state').textContent,
             boxes: document.querySelectorAll('details.tool[data-call-id^="call_drain_' + k + '_"]').length };
  }));
  expect(moved[0].prompts === 0 && moved[0].state === 'allowed, running' && moved[0].boxes === 1,
    'a call answered before the drain is not asked again when the next node re-sends it (restored)', JSON.stringify(moved[0]));
  expect(moved[1].prompts === 1 && moved[1].state === 'waiting for approval' && moved[1].boxes === 1,
    'a call not answered yet is asked once after the drain', JSON.stringify(moved[1]));
  await page.click('details.tool[data-call-id^="call_drain_b_"] .approval button.allow');
  await waitTurn();
  const ran = await page.evaluate(() => document.querySelectorAll('details.tool[data-call-id^="call_drain_"] pre.result').length);
  expect(ran === 2, 'both calls ran after their answers', String(ran));
  }

  if (!SKIP.has('elicitation')) {
  // ---- an MCP tool asks the user: a form pre-filled with the schema's defaults ----
  await send('elicit my details');
  await page.waitForSelector('.elicitation button.accept', { timeout: T });
  await shot(page, 'chat-elicitation-390');
  const prefilled = await page.evaluate(() => { const f = document.querySelector('.elicitation'); const v = n => f.querySelector('[name="' + n + '"]');
    return { name: v('name').value, age: v('age').value, score: v('score').value, status: v('status').value, verified: v('verified').checked,
             q: f.querySelector('.elicitation-q').textContent, focused: document.activeElement.name }; });
  expect(prefilled.name === '' && prefilled.age === '30' && prefilled.score === '95.5' && prefilled.status === 'active'
    && prefilled.verified === true && /signed up/.test(prefilled.q) && prefilled.focused === 'name',
    'elicitation form shows the question, pre-filled with the defaults, focus on the first field', JSON.stringify(prefilled));
  // the required name left empty: refused, the form says why and stays
  await page.click('.elicitation button.accept');
  await page.waitForSelector('.elicitation .elicitation-error:not([hidden])', { timeout: T });
  ok('an answer that does not fit the schema is refused inside the form');
  await page.fill('.elicitation [name="name"]', 'Ada <b>Lovelace</b>');
  await page.selectOption('.elicitation [name="status"]', 'pending');
  await page.click('.elicitation button.accept');
  await page.waitForSelector('.elicitation-outcome[data-action="accept"]', { timeout: T });
  await waitTurn();
  const answered = await page.evaluate(() => Array.from(document.querySelectorAll('details.tool pre.result')).map(e => e.textContent).pop());
  const ans = JSON.parse(answered.replace(/^answer: /, ''));
  expect(ans.action === 'accept' && ans.content.name === 'Ada <b>Lovelace</b>' && ans.content.age === 30 && ans.content.score === 95.5
    && ans.content.status === 'pending' && ans.content.verified === true, 'the accepted form reached the tool with the edits and the defaults', answered);
  await send('elicit again');
  await page.waitForSelector('.elicitation button.decline', { timeout: T });
  await page.click('.elicitation button.decline');
  await page.waitForSelector('.elicitation-outcome[data-action="decline"]', { timeout: T });
  await waitTurn();
  ok('a declined elicitation shows its outcome');
  }

  if (!SKIP.has('cancel')) {
  // ---- cancel while streaming ----
  const beforeSlow = await send('tell me a slow story');
  await page.waitForFunction(n => { const all = document.querySelectorAll('#messages .msg-assistant'); return all.length > n && all[all.length - 1].querySelector('.parts').textContent.length > 60; }, beforeSlow.count, { timeout: T });
  expect(await page.isVisible('#cancel'), 'Cancel is offered while streaming');
  await page.click('#cancel');
  await waitTurn('cancelled');
  const lenAtCancel = (await chatState()).len;
  await page.waitForTimeout(600); // must stay still: nothing streams after a cancel
  const lenLater = (await chatState()).len;
  expect(lenLater === lenAtCancel && !(await page.isVisible('#cancel')), 'cancel stops the stream', `${lenAtCancel} chars`);
  await shot(page, 'chat-cancelled-390');

  }

  // ---- reconnect mid-stream resumes from the last seq ----
  const beforeReconnect = await send('hello after a reconnect');
  await page.waitForFunction(n => { const all = document.querySelectorAll('#messages .msg-assistant'); return all.length > n && all[all.length - 1].textContent.includes('You said'); }, beforeReconnect.count, { timeout: T });
  await page.evaluate(() => window.maestroChat.dropConnection());
  await waitTurn();
  const resumed = await page.evaluate(() => Array.from(document.querySelectorAll('#messages .msg-assistant')).pop().textContent);
  expect(resumed.includes('hello after a reconnect') && resumed.includes('Done.'), 'answer is complete after a reconnect');

  // ---- a message whose acknowledgement is lost with the connection is resent once, same key ----
  await page.evaluate(() => {
    window.__sendFrames = [];
    const orig = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      orig.call(this, data);
      const f = JSON.parse(data);
      if (f.type !== 'send') return;
      window.__sendFrames.push(f);
      // the first copy reaches the server; the socket closes before its ack can be read
      if (window.__sendFrames.length === 1) window.maestroChat.dropConnection();
    };
  });
  const beforeResend = await send('sent once despite a drop');
  await page.waitForFunction(() => window.__sendFrames.length >= 2, null, { timeout: T })
    .catch(async () => fail('the send is resent after the reconnect', JSON.stringify(await page.evaluate(() => ({ frames: window.__sendFrames, conn: document.getElementById('conn').textContent })))));
  await waitTurn();
  await page.waitForFunction(() => window.maestroChat.unacknowledged() === 0, null, { timeout: T })
    .catch(() => fail('the resent message is acknowledged'));
  const frames = await page.evaluate(() => window.__sendFrames);
  expect(frames.length === 2 && frames[0].idempotencyKey && frames[0].idempotencyKey === frames[1].idempotencyKey,
    'a send that lost its ack is resent after the reconnect with the same idempotencyKey', frames.length + ' frames');
  await page.reload();
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
  const stored = await page.evaluate(() => Array.from(document.querySelectorAll('#messages .msg-user')).filter(b => b.textContent.includes('sent once despite a drop')).length);
  expect(stored === 1, 'the resent message is stored once (one turn)', stored + ' stored');
  void beforeResend;

  // ---- a socket that goes silent without closing (a gateway cut off by a partition) is given up ----
  // Each WebSocket of the reloaded page can be made deaf: its frames no longer arrive and what is sent on it
  // is dropped, as behind a cut network path; the chat must ping, give up after the unanswered ping and
  // reconnect on its own (SilenceWatch in the TUI; ~5 s), then answer as before.
  await page.addInitScript(() => {
    const Orig = window.WebSocket;
    const origSend = Orig.prototype.send;
    Orig.prototype.send = function (data) { if (this.__deaf) { (window.__deafSent = window.__deafSent || []).push(data); return; } origSend.call(this, data); };
    window.__sockets = [];
    window.WebSocket = function (url, protocols) {
      const s = protocols === undefined ? new Orig(url) : new Orig(url, protocols);
      window.__sockets.push(s);
      // registered before the page's onmessage, so it can hold the frames back from it
      s.addEventListener('message', e => { if (s.__deaf) e.stopImmediatePropagation(); });
      return s;
    };
    window.WebSocket.prototype = Orig.prototype;
    for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) window.WebSocket[k] = Orig[k];
  });
  await page.reload();
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live' && window.__sockets.length === 1, null, { timeout: T });
  const silencedAt = Date.now();
  await page.evaluate(() => { window.__sockets[0].__deaf = true; });
  await page.waitForFunction(() => window.__sockets.length === 2 && document.getElementById('conn').textContent === 'live', null, { timeout: T })
    .catch(async () => fail('a silent socket is given up and a new one opened', JSON.stringify(await page.evaluate(() => ({ sockets: window.__sockets.length, conn: document.getElementById('conn').textContent })))));
  const gaveUpAfter = Date.now() - silencedAt;
  const pings = await page.evaluate(() => (window.__deafSent || []).filter(d => JSON.parse(d).type === 'ping').length);
  expect(pings >= 1 && gaveUpAfter >= 3000, 'a silent socket is pinged, then given up and replaced', `${pings} ping(s), new socket after ${gaveUpAfter} ms`);
  await send('answered after a silent socket');
  await waitTurn();
  const afterSilence = await page.evaluate(() => Array.from(document.querySelectorAll('#messages .msg-assistant')).pop().textContent);
  expect(afterSilence.includes('answered after a silent socket'), 'the chat answers on the new socket', afterSilence.slice(0, 80));

  // ---- model switch ----
  await page.click('.session-tools summary');
  await page.fill('#model', 'fake-large');
  await Promise.all([page.waitForURL(sessionUrl, { timeout: T }), page.click('.session-tools form[action$="/model"] button')]);
  expect((await page.textContent('#model-name')).includes('fake-large'), 'model switched');

  // ---- sessions list: search, rename, export ----
  await page.goto(new URL('/sessions?q=First', BASE).href);
  expect((await page.textContent('#session-list')).includes('First chat'), 'search finds the session');
  await page.click('.session-item details.actions summary');
  await page.fill('.session-item input[name=title]', 'Renamed chat');
  await Promise.all([page.waitForURL(u => u.pathname === '/sessions', { timeout: T }), page.click('.session-item form[action$="/rename"] button')]);
  expect((await page.textContent('#session-list')).includes('Renamed chat'), 'session renamed');
  const exp = await page.request.get(sessionUrl + '/export?format=markdown');
  expect(exp.status() === 200 && (await exp.text()).includes('hello there'), 'markdown export downloads');

  // ---- tools, MCP, templates, settings ----
  await page.goto(new URL('/tools', BASE).href);
  await page.selectOption('#policy-read_file', 'allow');
  await Promise.all([page.waitForURL(u => u.pathname === '/tools', { timeout: T }), page.click('form[action="/tools/read_file"] button')]);
  expect((await page.inputValue('#policy-read_file')) === 'allow', 'tool policy saved');

  await page.goto(new URL('/mcp', BASE).href);
  await page.fill('#mcp-name', 'browsertest');
  await page.fill('#mcp-command', 'npx');
  await page.fill('#mcp-args', '-y\n@modelcontextprotocol/server-everything');
  await Promise.all([page.waitForURL(u => u.pathname === '/mcp', { timeout: T }), page.click('#add-mcp button[type=submit]')]);
  expect((await page.textContent('#mcp-list')).includes('browsertest'), 'MCP server added');

  await page.goto(new URL('/templates', BASE).href);
  await page.fill('#nt-name', 'Reviewer');
  await page.fill('#nt-model', 'fake-small');
  await page.fill('#nt-system', 'You review code.');
  await Promise.all([page.waitForURL(u => u.pathname === '/templates', { timeout: T }), page.click('#new-template button[type=submit]')]);
  expect((await page.textContent('#template-list')).includes('Reviewer'), 'template created');
  await Promise.all([page.waitForURL(u => /^\/sessions\/[^/]+$/.test(u.pathname), { timeout: T }), page.click('.template-item form[action$="/start"] button')]);
  ok('session started from a template', page.url());

  await page.goto(new URL('/settings', BASE).href);
  await page.waitForFunction(() => !document.getElementById('user-list').textContent.includes('Loading'), null, { timeout: T });
  await page.fill('#u-name', 'newbie');
  await page.fill('#u-pass', 'newbie-password');
  await page.click('#add-user button[type=submit]');
  await page.waitForFunction(() => document.getElementById('user-list').textContent.includes('newbie'), null, { timeout: T });
  ok('admin adds a user on Settings');

  // ---- every page at 390 and 1280 px, light and dark ----
  const pages = [['sessions', '/sessions'], ['chat', new URL(sessionUrl).pathname], ['credentials', '/credentials'],
                 ['tools', '/tools'], ['mcp', '/mcp'], ['templates', '/templates'], ['settings', '/settings']];
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, p] of pages) {
      await page.goto(new URL(p, BASE).href);
      await page.evaluate(() => document.querySelectorAll('details').forEach(d => { d.open = true; }));
      await noHorizontalScroll(page, `${p} at ${width}`);
      if (width === 390) {
        const a11y = await page.evaluate(() => {
          const unlabelled = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
            .filter(e => e.tagName === 'BUTTON' ? !e.textContent.trim() && !e.getAttribute('aria-label')
                                                : e.labels.length === 0 && !e.getAttribute('aria-label'))
            .map(e => e.outerHTML.slice(0, 80));
          return { unlabelled, h1: document.querySelectorAll('h1').length, lang: document.documentElement.lang };
        });
        expect(a11y.unlabelled.length === 0 && a11y.h1 === 1 && a11y.lang === 'en', `${name}: every control labelled, one h1`,
          a11y.unlabelled.join(' ') || 'ok');
      }
      await shot(page, `${name}-${width}`);
    }
  }
  await page.setViewportSize({ width: 390, height: 900 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(sessionUrl);
  await noHorizontalScroll(page, 'chat in dark mode');
  await shot(page, 'chat-dark-390');
  await page.emulateMedia({ colorScheme: 'light' });

  // ---- sign out ----
  await page.goto(new URL('/sessions', BASE).href);
  await Promise.all([page.waitForURL(u => u.pathname === '/login', { timeout: T }), page.click('.logout button')]);
  await page.goto(new URL('/sessions', BASE).href);
  expect(new URL(page.url()).pathname === '/login', 'signed out: pages redirect to /login again');

  expect(foreign.length === 0, 'no request to any other host', foreign.join(', '));
  // The wrong-password attempt answers 401 on purpose; the browser logs that as a failed load.
  const errs = pageErrors.filter(e => !/WebSocket/.test(e) && !/status of 401/.test(e));
  expect(errs.length === 0, 'no JavaScript errors', errs.join(' | '));
  console.log(JSON.stringify({ ok: true, checks: checks.length }));
  await browser.close();
  process.exit(0);
} catch (e) {
  try { await shot(page, 'failure'); } catch (ignored) { /* best effort */ }
  console.log('FAIL ' + e.message);
  console.log(JSON.stringify({ ok: false, error: e.message, passed: checks.length }));
  await browser.close();
  process.exit(1);
}
