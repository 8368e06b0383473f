// What both browser flows share: flow.mjs (web-ui harness with fake services) and real-flow.mjs
// (the real system from `deploy/maestro up --demo`). Playwright (core) driving Debian's Chromium.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

/** Debian's Chromium, or exit 3 with the command that installs it. */
export function chromiumPath() {
  const bin = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(bin)) {
    console.error(`Chromium not found at ${bin}: install Debian's browser with "apt-get install -y chromium" (deploy/maestro test does this).`);
    process.exit(3);
  }
  return bin;
}

/** The list of passed checks and the assertion helpers that fill it; `fail` throws with `.check` set. */
export function checklist() {
  const checks = [];
  const ok = (name, detail) => { checks.push({ name, ok: true, detail }); console.log(`ok   ${name}${detail ? ' — ' + detail : ''}`); };
  const fail = (name, detail) => { const e = new Error(`${name}: ${detail}`); e.check = name; throw e; };
  const expect = (cond, name, detail) => {
    if (!cond) fail(name, detail || 'expectation failed');
    ok(name, detail === undefined ? undefined : String(detail));
  };
  return { checks, ok, fail, expect };
}

/** A headless Chromium and a watcher that records requests to other hosts and page errors. */
export async function launch(executablePath, baseUrl) {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const host = new URL(baseUrl).host;
  const foreign = [];
  const pageErrors = [];
  const watch = (p) => {
    p.on('request', r => {
      const u = new URL(r.url());
      if (['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) && u.host !== host) foreign.push(r.url());
    });
    p.on('pageerror', e => pageErrors.push(e.message));
    p.on('console', m => { if (m.type() === 'error') pageErrors.push('console: ' + m.text()); });
    p.on('dialog', d => d.accept());
  };
  return { browser, foreign, pageErrors, watch };
}

/** The login form: a wrong password shows the error, the right one lands on /sessions. */
export async function signIn(page, { user, pass, expect, ok, timeout }) {
  await page.fill('#username', user);
  await page.fill('#password', pass + '-wrong');
  await page.click('button[type=submit]');
  await page.waitForSelector('#login-error', { timeout });
  expect(/wrong username or password/i.test(await page.textContent('#login-error')), 'wrong password shows an error');
  await page.fill('#password', pass);
  await Promise.all([page.waitForURL(u => u.pathname === '/sessions', { timeout }), page.press('#password', 'Enter')]);
  ok('log in with the form lands on /sessions');
}

/** Page helpers bound to one chat page: screenshots, layout check, sending and waiting for turns. */
export function chatPage(page, { expect, fail, shotsDir, timeout }) {
  fs.mkdirSync(shotsDir, { recursive: true });
  const shot = (p, name) => p.screenshot({ path: path.join(shotsDir, name + '.png'), fullPage: true });
  async function noHorizontalScroll(p, label) {
    const m = await p.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
    expect(m.sw <= m.w, `no horizontal scroll: ${label}`, `scrollWidth ${m.sw} <= ${m.w}`);
  }
  function chatState() {
    return page.evaluate(() => {
      const root = document.getElementById('chat');
      const msgs = document.querySelectorAll('#messages .msg-assistant');
      const last = msgs[msgs.length - 1];
      const parts = last ? last.querySelector('.parts') : null;
      return { streaming: root.getAttribute('data-streaming'), turn: root.getAttribute('data-turn-status'),
               len: parts ? parts.textContent.length : 0, text: parts ? parts.textContent : '', count: msgs.length,
               all: document.getElementById('messages').textContent };
    });
  }
  async function send(text) {
    const before = await chatState();
    await page.evaluate(() => document.getElementById('chat').removeAttribute('data-turn-status'));
    await page.fill('textarea[name="text"]', text);
    await page.press('textarea[name="text"]', 'Enter');
    return before;
  }
  async function waitTurn(status = 'complete') {
    await page.waitForFunction(s => document.getElementById('chat').getAttribute('data-turn-status') === s, status, { timeout })
      .catch(async () => fail(`turn ends as ${status}`, `data-turn-status is ${(await chatState()).turn}`));
  }
  return { shot, noHorizontalScroll, chatState, send, waitTurn };
}
