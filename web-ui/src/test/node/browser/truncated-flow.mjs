// A reply part of which nobody can deliver any more (issue 17: a session copy cut off by a partition streamed
// it; the next owner hands out that copy's stored turn end after a `truncated` marker announcing the seq numbers
// in between): the chat reloads the turn's stored message, so the user sees the whole reply, not the start that
// streamed. Run by BrowserFlowTest against the web-ui harness, whose "partition" prompt plays that sequence
// (one delta, the marker, turn_completed; the stored reply is whole).
//
// Environment: MAESTRO_URL, MAESTRO_USER, MAESTRO_PASSWORD, SESSION_ID (a session of that user), CHROMIUM,
// SCREENSHOTS. Exit code 0 = every check passed; the last line is a JSON summary.
import { chromiumPath, checklist, launch } from './lib.mjs';

const BASE = process.env.MAESTRO_URL;
const T = Number(process.env.BROWSER_TIMEOUT_MS || 15000);
const { checks, ok, expect } = checklist();
const { browser, pageErrors, watch } = await launch(chromiumPath(), BASE);
let page;
try {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  page = await ctx.newPage();
  watch(page);
  await page.goto(BASE + '/login');
  await page.fill('#username', process.env.MAESTRO_USER);
  await page.fill('#password', process.env.MAESTRO_PASSWORD);
  await Promise.all([page.waitForURL(u => u.pathname === '/sessions', { timeout: T }), page.press('#password', 'Enter')]);
  await page.goto(BASE + '/sessions/' + process.env.SESSION_ID);
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live', null, { timeout: T });
  await page.fill('textarea[name="text"]', 'a partition, please');
  await page.press('textarea[name="text"]', 'Enter');
  await page.waitForFunction(() => document.getElementById('chat').getAttribute('data-turn-status') === 'complete', null, { timeout: T });
  ok('the turn ends (its end handed out after the marker)');
  await page.waitForFunction(() => {
    const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop();
    return m && m.textContent.includes('the part nobody could deliver, and the end.');
  }, null, { timeout: T }).catch(async () => {
    const text = await page.evaluate(() => { const m = Array.from(document.querySelectorAll('#messages .msg-assistant')).pop(); return m ? m.textContent : ''; });
    throw new Error('the whole stored reply is shown after the truncated marker: the bubble shows ' + JSON.stringify(text.trim()));
  });
  const shown = await page.evaluate(() => {
    const all = document.querySelectorAll('#messages .msg-assistant');
    const m = all[all.length - 1];
    return { count: all.length, reloaded: m.getAttribute('data-reloaded'), status: m.getAttribute('data-status'),
             text: m.querySelector('.parts').textContent, p: m.querySelectorAll('.parts p').length };
  });
  expect(shown.count === 1 && shown.reloaded === 'true' && shown.text.includes('Before the split, the part nobody could deliver'),
    'the reply is the stored message, rendered by the server, in place of the part that streamed', JSON.stringify(shown));
  if (process.env.SCREENSHOTS) await page.screenshot({ path: process.env.SCREENSHOTS + '/chat-truncated-390.png', fullPage: true });
  expect(pageErrors.length === 0, 'no page errors', pageErrors.join(' | '));
  console.log(JSON.stringify({ ok: true, checks: checks.length }));
} catch (e) {
  console.log('FAIL ' + e.message.split('\n')[0]);
  if (page && process.env.SCREENSHOTS) await page.screenshot({ path: process.env.SCREENSHOTS + '/chat-truncated-failure.png' }).catch(() => {});
  console.log(JSON.stringify({ ok: false, checks: checks.length }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
