// The README's pictures: the dashboard page of `make demo` at desktop width,
// as the demo user min (two channels: the picker shows) sees it, in one
// language (the page's ?lang=).
//   node scripts/screenshot.mjs [URL] [OUT] [USER] [LANG]
// URL defaults to the demo's page (DASH_DEMO_PORT, 8080), OUT to
// docs/screenshot.png, USER to min, LANG to en (docs/screenshot-ko.png is
// the same with ko).
import { launch, openPage, settled } from '../t/browser/browser.mjs';

const page0 = process.argv[2] || `http://127.0.0.1:${process.env.DASH_DEMO_PORT || 8080}/dashboard/ui/`;
const out = process.argv[3] || 'docs/screenshot.png';
const user = process.argv[4] || 'min';
const lang = process.argv[5] || 'en';
const url = new URL(page0);
url.searchParams.set('lang', lang);

const browser = await launch();
try {
    const page = await openPage(browser, { user, password: 'demo', viewport: { width: 1280, height: 900 },
                                           locale: lang === 'ko' ? 'ko-KR' : 'en-GB' });
    await page.goto(url.href, { waitUntil: 'domcontentloaded' });
    const state = (await settled(page)).state;
    if (state !== 'ready') { throw new Error(`the page settled in state "${state}", not "ready"`); }
    await page.waitForFunction(() => [...document.querySelectorAll('.thumb')]
        .every((t) => t.dataset.thumb !== 'loading'), null, { timeout: 10000 });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`wrote ${out}`);
} finally {
    await browser.close();
}
