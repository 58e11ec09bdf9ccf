// Debian's Chromium, headless, through playwright-core: shared by the
// browser test (t/browser/dashboard.mjs) and the README screenshot
// (scripts/screenshot.mjs).
import { chromium } from 'playwright-core';

// No sandbox: the tests run as root. Nothing in the background talks to
// the network (the machines have none). playwright gives each launch a
// fresh --user-data-dir of its own, removed on close.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

export function launch() {
    return chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS, timeout: 30000 });
}

// A page of a new context, logged in as `user` when one is given (the
// test's httpd takes any password, the demo's wants "demo"). Thumbnails
// from Google's image host fail at once instead of waiting on a network
// the machine does not have.
// locale: the browser's language (navigator.languages), which chooses
// the page's.
export async function openPage(browser, { user, password, viewport, locale } = {}) {
    const context = await browser.newContext({
        httpCredentials: user ? { username: user, password } : undefined,
        viewport: viewport || { width: 1280, height: 900 },
        reducedMotion: 'reduce',
        locale: locale || 'en-US',
    });
    const page = await context.newPage();
    await page.route(/^https:\/\/i\.ytimg\.com\//, (route) => route.abort('internetdisconnected'));
    return page;
}

// The states the page settles in (main[data-state]); "loading" is not one.
export const SETTLED = ['ready', 'no-uploads', 'no-channel', 'token-expired', 'error'];

// Waits until the page has settled after its answer number `seq` (the page
// counts its stats requests in main[data-seq]).
export async function settled(page, seq) {
    await page.waitForFunction(({ states, seq }) => {
        const main = document.querySelector('main');
        return states.includes(main.dataset.state) && main.getAttribute('aria-busy') === 'false'
            && (seq === undefined || Number(main.dataset.seq) >= seq);
    }, { states: SETTLED, seq }, { timeout: 20000 });
    return page.evaluate(() => ({ ...document.querySelector('main').dataset }));
}
