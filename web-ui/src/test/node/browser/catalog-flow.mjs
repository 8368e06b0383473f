// An MCP server's resources change while the chat page is open (issue 19): the gateway's mcp_catalog frame makes
// the composer re-read its lists, so the open "Attach resource" picker shows the new entry without a reload, and "@"
// completion offers it. Run by system-tests McpCatalogBrowserTest against the real services and server-everything:
// this script prints "READY" once the picker is open with the server's resources; the test then makes the server
// register a new resource (its gzip-file-as-resource tool), and the script waits for it in the still-open picker.
//
// Environment: MAESTRO_URL, MAESTRO_USER, MAESTRO_PASSWORD, SESSION_ID (a session of that user), SERVER (the MCP
// server's name), NEW_RESOURCE (the name of the resource the test adds), CHROMIUM, SCREENSHOTS.
// Exit code 0 = every check passed; the last line is a JSON summary.
import { chromiumPath, checklist, launch } from './lib.mjs';

const BASE = process.env.MAESTRO_URL;
const SERVER = process.env.SERVER;
const NEW = process.env.NEW_RESOURCE;
const T = 30000;
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
  // a marker on this document: still there at the end means no reload happened
  await page.evaluate(() => { window.__sameDocument = true; });

  await page.click('#attach');
  await page.locator('#mcp-resources li button', { hasText: SERVER + ': architecture.md' }).waitFor({ timeout: T });
  expect(await page.locator('#mcp-resources li button', { hasText: NEW }).count() === 0, 'the new resource is not listed yet');
  ok('the picker is open with the server\'s resources');
  console.log('READY');

  await page.locator('#mcp-resources li button', { hasText: SERVER + ': ' + NEW }).waitFor({ timeout: T })
    .catch(() => { throw new Error('the open picker shows the new resource without a reload: not within ' + T + ' ms'); });
  expect(await page.evaluate(() => document.getElementById('mcp-picker').open && window.__sameDocument === true),
    'the open picker shows the new resource without a reload');
  if (process.env.SCREENSHOTS) await page.screenshot({ path: process.env.SCREENSHOTS + '/mcp-picker-updated-390.png' });

  // "@" completion offers it too (the lists were re-read, not only the picker)
  await page.keyboard.press('Escape');
  await page.focus('#text');
  await page.keyboard.type('@' + NEW);
  await page.locator('#mcp-suggest:not([hidden]) li', { hasText: NEW }).waitFor({ timeout: T });
  ok('@ completion offers the new resource');
  expect(pageErrors.length === 0, 'no page errors', pageErrors.join(' | '));
  console.log(JSON.stringify({ ok: true, checks: checks.length }));
} catch (e) {
  console.log('FAIL ' + e.message.split('\n')[0]);
  if (page && process.env.SCREENSHOTS) await page.screenshot({ path: process.env.SCREENSHOTS + '/mcp-catalog-failure.png' }).catch(() => {});
  console.log(JSON.stringify({ ok: false, checks: checks.length }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
