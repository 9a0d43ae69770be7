// Drives the coordinators' console in Debian's headless Chromium through playwright-core (no
// bundled browser, nothing from the internet): logs in with password + TOTP, searches, opens an
// exchange, retries a dead letter, checks that a post without its CSRF token is refused, and
// writes a screenshot of each page. Run by tests/browser/console_browser_test.cpp, which starts
// the node and passes everything through the environment. Exit 0 only if every step passed.
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('CONSOLE_URL').replace(/\/$/, '');
const shots = env('SCREENSHOTS');
mkdirSync(shots, { recursive: true });

// RFC 4648 base32 and RFC 6238 TOTP, written here independently of the C++ side.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
function totp(secret, seconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[19] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok: ${message}`);
}

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), headless: true });
let failed = false;
try {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true, // the node's certificate comes from the test's own CA
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  let response = await page.goto(`${base}/login`);
  check(response.status() === 200, 'login page served over HTTPS');
  check((await page.getAttribute('html', 'lang')) === 'ja', 'Japanese is the default language');
  await shot('01-login');

  await page.fill('input[name=user]', env('CONSOLE_USER'));
  await page.fill('input[name=password]', env('CONSOLE_PASSWORD'));
  await page.fill('input[name=totp]', totp(env('CONSOLE_TOTP_SECRET')));
  await Promise.all([page.waitForURL(`${base}/`), page.click('form.login button[type=submit]')]);
  check((await page.textContent('h1')) === 'ダッシュボード', 'logged in with password and TOTP');
  check(await page.isVisible('table#peers'), 'dashboard shows the peers');
  check((await page.locator('svg.chart-svg').count()) > 0, 'dashboard draws the per-day chart');
  await shot('02-dashboard');

  await page.click('nav a[href="/exchanges"]');
  await page.fill('input[name=peer]', '122203');
  await page.selectOption('select[name=direction]', 'outbound');
  await Promise.all([page.waitForURL(/\/exchanges\?/), page.click('form.filters button[type=submit]')]);
  const total = Number(await page.textContent('#total'));
  check(total >= 2, `search for peer 122203 found ${total} exchanges`);
  await shot('03-search');

  await Promise.all([page.waitForURL(/\/exchanges\/[0-9a-f-]{36}$/), page.click('#results a.mono >> nth=0')]);
  check(await page.isVisible('table#timeline'), 'exchange page shows its event timeline');
  check(await page.isVisible('table#signature'), 'exchange page shows signature and receipt status');
  check(await page.isVisible('#losses'), 'exchange page shows the loss report');
  await shot('04-exchange');

  const dead = env('DEAD_LETTER');
  await page.goto(`${base}/dead-letters`);
  check(await page.isVisible(`text=${dead}`), 'dead letter listed');
  await shot('05-dead-letters');
  const retryForm = page.locator(`form[action="/dead-letters/${dead}/retry"]`).first();
  await retryForm.locator('input[name=reason]').fill('受信側の設定修正を確認したため再送');
  await Promise.all([page.waitForURL(/done=replayed/), retryForm.locator('button').click()]);
  check(await page.isVisible('p.notice'), 'retry confirmed');
  check(!(await page.isVisible(`text=${dead}`)), 'retried message left the dead-letter queue');
  await shot('06-dead-letter-retried');

  // A post without its CSRF token (as a forged cross-site form would send) must be refused.
  const other = env('SECOND_DEAD_LETTER');
  const forged = page.locator(`form[action="/dead-letters/${other}/retry"]`).first();
  await forged.evaluate((form) => form.querySelector('input[name=csrf]').remove());
  await forged.locator('input[name=reason]').fill('forged');
  const [refusal] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/dead-letters/${other}/retry`)),
    forged.locator('button').click(),
  ]);
  check(refusal.status() === 403, 'a post without its CSRF token is refused with 403');
  await page.waitForSelector('p.error');
  check((await page.textContent('p.error')).includes('確認トークン'), 'the refusal says why');
  await shot('07-csrf-refused');

  for (const [path, name, selector] of [
    ['/identity-reviews', '08-identity-reviews', 'table#identity-reviews'],
    ['/audit', '09-audit-chain', 'table#chain'],
  ]) {
    response = await page.goto(`${base}${path}`);
    check(response.status() === 200 && (await page.isVisible(selector)), `${path} shown`);
    await shot(name);
  }
  response = await page.goto(`${base}/?lang=en`);
  check((await page.textContent('h1')) === 'Dashboard', 'English on request');
  await shot('10-dashboard-en');
  await page.goto(`${base}/dead-letters`);
  check((await page.textContent('h1')) === 'Dead letters', 'the language choice is remembered');

  await Promise.all([page.waitForURL(/\/login$/), page.click('form.logout button')]);
  response = await page.goto(`${base}/`);
  check(page.url().endsWith('/login'), 'logged out: pages need a new login');

  // An admin sees the consent registry, the users and the configuration.
  await page.goto(`${base}/login?lang=ja`);
  await page.fill('input[name=user]', env('ADMIN_USER'));
  await page.fill('input[name=password]', env('CONSOLE_PASSWORD'));
  await page.fill('input[name=totp]', totp(env('ADMIN_TOTP_SECRET')));
  await Promise.all([page.waitForURL(`${base}/`), page.click('form.login button[type=submit]')]);
  for (const [path, name, selector] of [
    ['/consents', '11-consents', 'table#consents'],
    ['/admin/users', '12-users', 'table#users'],
    ['/admin/config', '13-configuration', 'table#config'],
  ]) {
    response = await page.goto(`${base}${path}`);
    check(response.status() === 200 && (await page.isVisible(selector)), `${path} shown to an admin`);
    await shot(name);
  }
  check(!(await page.isVisible('form[action$="/retry"]')), 'an admin gets no retry buttons');
} catch (error) {
  failed = true;
  console.error(`FAILED: ${error.message}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
