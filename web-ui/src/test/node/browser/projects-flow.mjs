// Projects in the browser against the REAL running Maestro (`up --demo`), at 390 px (issue 15):
// the admin adds a git repository on /projects, starts a session on it from "New session", the fake
// model edits a file (approved in the chat), the Changes panel refreshes live with the coloured diff,
// "Undo this turn" puts the file back, a second edit is committed from the panel and lands on the
// session's branch maestro/<id> in the repository. Called by deploy/tests/browser.sh.
// Environment: as real-flow.mjs, plus MAESTRO_PROJECT_REPO (a git repository whose main branch has
// hello.txt = "hello world\n").
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromiumPath, checklist, launch, chatPage, signIn } from './lib.mjs';

const BASE = process.env.MAESTRO_URL;
const REPO = process.env.MAESTRO_PROJECT_REPO;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = process.env.SCREENSHOTS || path.resolve(HERE, '../../../../target/screenshots-real');
const T = 20000;
const RUN = Date.now().toString(36);
const { checks, ok, fail, expect } = checklist();
const { browser, foreign, pageErrors, watch } = await launch(chromiumPath(), BASE);
const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
const page = await ctx.newPage();
watch(page);
const { shot, noHorizontalScroll, send, waitTurn } = chatPage(page, { expect, fail, shotsDir: SHOTS, timeout: T });
let failed = null;

async function editAndAllow(text) {
  await send(`call tool edit_file with {"path":"hello.txt","old":"world","new":"${text}"}`);
  await page.waitForSelector('.approval button.allow', { timeout: T }).catch(() => fail('edit_file approval', 'no Allow button'));
  await page.click('.approval button.allow');
  await waitTurn('complete');
}

try {
  await page.goto(new URL('/login', BASE).href);
  await signIn(page, { user: process.env.MAESTRO_USER || 'admin', pass: process.env.MAESTRO_PASSWORD, expect, ok, timeout: T });

  // a credential for the demo upstream
  await page.goto(new URL('/credentials', BASE).href);
  await page.selectOption('#provider', process.env.MAESTRO_PROVIDER || 'openai-compatible');
  await page.fill('#label', 'Projects ' + RUN);
  await page.fill('#apiKey', 'sk-projects-' + RUN);
  await page.fill('#baseUrl', process.env.MAESTRO_PROVIDER_URL);
  await Promise.all([page.waitForURL(u => u.pathname === '/credentials', { timeout: T }), page.click('#add-key button[type=submit]')]);

  // the admin registers the repository
  const name = 'browser-' + RUN;
  await page.goto(new URL('/projects', BASE).href);
  if (!(await page.isVisible('#pj-name'))) await page.click('details:has(#add-project) > summary');
  await page.fill('#pj-name', name);
  await page.fill('#pj-source', REPO);
  await Promise.all([page.waitForURL(u => u.pathname === '/projects', { timeout: T }), page.click('#add-project button[type=submit]')]);
  const card = page.locator('#projects li.project', { hasText: name });
  expect(await card.count() === 1, '/projects: repository added and listed', (await card.textContent()).replace(/\s+/g, ' ').trim().slice(0, 120));
  await noHorizontalScroll(page, '/projects at 390');
  await shot(page, 'projects-390');

  // a session on it from the picker
  await page.goto(new URL('/sessions', BASE).href);
  if (!(await page.isVisible('#ns-credential'))) await page.click('details:has(#new-session) > summary');
  const cred = await page.evaluate(l => Array.from(document.querySelectorAll('#ns-credential option')).find(o => o.textContent.includes(l))?.value,
    'Projects ' + RUN);
  await page.selectOption('#ns-credential', cred);
  await page.waitForFunction(() => document.querySelectorAll('#ns-models option').length > 0, null, { timeout: T });
  await page.fill('#ns-model', await page.evaluate(() => document.querySelector('#ns-models option').value));
  const pid = await page.evaluate(n => Array.from(document.querySelectorAll('#ns-project option')).find(o => o.textContent.startsWith(n))?.value, name);
  expect(!!pid, 'new session: the project picker offers the project', pid);
  await page.selectOption('#ns-project', pid);
  await Promise.all([page.waitForURL(u => /^\/sessions\/[^/]+$/.test(u.pathname), { timeout: T }), page.click('#new-session button[type=submit]')]);
  const sid = new URL(page.url()).pathname.split('/').pop();
  const branch = 'maestro/' + sid.slice(0, 8);
  const header = await page.textContent('#project-line');
  expect(header.includes(name) && header.includes(branch), 'chat header shows the project and its branch', header.replace(/\s+/g, ' ').trim());
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });

  // the model edits a file: the Changes panel refreshes by itself with the coloured diff
  await editAndAllow('browser');
  await page.waitForFunction(() => (document.querySelector('#changes .dl-add') || {}).textContent === '+hello browser', null, { timeout: T })
    .catch(async () => fail('Changes panel refreshed live', 'panel: ' + (await page.textContent('#changes')).replace(/\s+/g, ' ').slice(0, 200)));
  const del = await page.textContent('#changes .dl-del');
  const addColour = await page.evaluate(() => getComputedStyle(document.querySelector('#changes .dl-add')).backgroundColor);
  const delColour = await page.evaluate(() => getComputedStyle(document.querySelector('#changes .dl-del')).backgroundColor);
  expect(del === '-hello world' && addColour !== delColour && addColour !== 'rgba(0, 0, 0, 0)',
    'Changes panel: per-file diff, added and removed lines coloured', `${addColour} / ${delColour}`);
  await noHorizontalScroll(page, 'chat with the Changes panel at 390');
  await shot(page, 'changes-panel-390');

  // undo the turn
  await Promise.all([page.waitForURL(u => u.pathname === '/sessions/' + sid, { timeout: T }), page.click('#changes button.undo')]);
  const undone = await page.textContent('.flash');
  expect(/Undone: hello\.txt restored/.test(undone) && (await page.textContent('#changes')).includes('No uncommitted changes'),
    'Undo this turn restores the file', undone.trim());
  await shot(page, 'changes-undone-390');

  // edit again and commit from the panel
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
  await editAndAllow('commit');
  await page.waitForSelector('#commit-message', { timeout: T });
  await page.fill('#commit-message', 'Browser commit ' + RUN);
  await Promise.all([page.waitForURL(u => u.pathname === '/sessions/' + sid, { timeout: T }), page.click('#commit')]);
  const committed = await page.textContent('.flash');
  expect(committed.includes('on ' + branch), 'Commit from the panel', committed.trim());
  const log = execFileSync('git', ['-C', REPO, 'log', '-1', '--format=%s', branch]).toString().trim();
  const file = execFileSync('git', ['-C', REPO, 'show', branch + ':hello.txt']).toString();
  expect(log === 'Browser commit ' + RUN && file === 'hello commit\n', 'the commit is on the session branch in the repository', `${log} / ${JSON.stringify(file)}`);
  await shot(page, 'changes-committed-390');
  expect(foreign.length === 0, 'no request to any other host', foreign.join(', '));
  // the sign-in helper's wrong-password attempt answers 401 on purpose
  const errs = pageErrors.filter(e => !/WebSocket/.test(e) && !/status of 401/.test(e));
  expect(errs.length === 0, 'no JavaScript errors', errs.join(' | '));
} catch (e) {
  failed = e.message.split('\n')[0];
  console.log('FAIL ' + failed);
  try { await shot(page, 'projects-failure'); } catch (ignored) { /* best effort */ }
}
await browser.close();
console.log(JSON.stringify({ ok: !failed, passed: checks.length, failed: failed ? [failed] : [] }));
process.exit(failed ? 1 : 0);
