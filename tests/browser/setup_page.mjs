// Browser test of the /setup page: headless Chromium (Debian's, at
// /usr/bin/chromium) driven by playwright-core opens the page, types an
// address into the form, submits it, and checks that the settings table
// shows the IMAP server and port 993 and the profile link. Run by
// tests/integration/test_http_browser.py against a real `postamt serve`:
//   node setup_page.mjs <base-url> <address> <expected-host> <screenshot.png>
import { chromium } from 'playwright-core';

const [base, address, host, shot] = process.argv.slice(2);
if (!base || !address || !host || !shot) {
  console.error('usage: node setup_page.mjs BASE_URL ADDRESS HOST SCREENSHOT');
  process.exit(2);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
});
try {
  // A phone-sized viewport: the page must be readable there.
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const external = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) external.push(r.url());
  });
  const resp = await page.goto(`${base}/setup`);
  check(resp.status() === 200, 'GET /setup answers 200');
  check((await page.locator('#settings').count()) === 0, 'no table before an address is given');
  await page.fill('#emailaddress', address);
  await Promise.all([page.waitForNavigation(), page.click('#show')]);
  check(page.url().includes('emailaddress='), 'the form submitted the address');
  const imap = page.locator('#settings tr.imap').first();
  check((await imap.locator('td.server').innerText()) === host, `IMAP server is ${host}`);
  check((await imap.locator('td.port').innerText()) === '993', 'IMAP port is 993');
  check((await imap.locator('td.security').innerText()) === 'SSL/TLS', 'IMAP security is SSL/TLS');
  check((await imap.locator('td.user').innerText()) === address, 'user name is the address');
  const smtp = page.locator('#settings tr.smtp').first();
  check((await smtp.locator('td.port').innerText()) === '465', 'SMTP port is 465');
  const href = await page.locator('#profile').getAttribute('href');
  check(href.startsWith('/setup/mobileconfig?emailaddress='), 'profile link present');
  // The table fits a phone screen without sideways scrolling.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'no horizontal scrolling at 390 px');
  check(external.length === 0, `no external resources (${external.join(', ')})`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
} finally {
  await browser.close();
}
