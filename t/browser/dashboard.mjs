// The dashboard page against the real module: what the page shows must be
// what the API answers, for both modes and both channels of a user, and
// each state (no channel, no uploads, token expired, stale, error) must
// appear when the API answers with it. t/50_ui.t sets up the users and
// the faults, then runs this file; its output is TAP.
//   DASH_UI_BASE   http://127.0.0.1:PORT of the httpd under test
//   DASH_UI_USERS  JSON {two, none, empty, expired, error, stale}: user names
//   DASH_UI_SHOTS  where the screenshots go
import { mkdirSync } from 'node:fs';
import { launch, openPage, settled } from './browser.mjs';

const base = process.env.DASH_UI_BASE;
const users = JSON.parse(process.env.DASH_UI_USERS);
const shots = process.env.DASH_UI_SHOTS || 't/tmp/screenshots';
const PAGE = base + '/dashboard/ui/';
mkdirSync(shots, { recursive: true });

// ---- TAP ---------------------------------------------------------------

let n = 0;
const t0 = Date.now();
function mark(what) { console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`); }
let failed = 0;
function ok(cond, name, diag) {
    n += 1;
    console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
    if (!cond) {
        failed += 1;
        if (diag !== undefined) {
            for (const line of String(diag).split('\n')) { console.log(`#   ${line}`); }
        }
    }
    return cond;
}
function is(got, want, name) {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    return ok(g === w, name, `got:      ${g}\nexpected: ${w}`);
}

// ---- the API, as the test sees it ----------------------------------------

async function api(user, path) {
    const res = await fetch(base + path, {
        headers: { Authorization: 'Basic ' + Buffer.from(`${user}:pw`).toString('base64') },
    });
    return { status: res.status, cache: res.headers.get('X-Dashboard-Cache'), body: await res.json() };
}

function statsPath(mode, channel) {
    const q = new URLSearchParams({ mode });
    if (channel) { q.set('platform_user_id', channel); }
    return '/dashboard/stats?' + q;
}

// A number as the page writes it ("26,153.6", "12.5%"), read back.
function num(text) {
    const t = String(text).replace(/[,%\s]/g, '');
    return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
}

// ---- what the page shows -------------------------------------------------

function readPage(page) {
    return page.evaluate(() => {
        const text = (root, sel) => { const e = root.querySelector(sel); return e ? e.textContent : null; };
        const visible = (sel) => { const e = document.querySelector(sel); return !!e && e.offsetParent !== null; };
        const chart = (id) => {
            const c = Chart.getChart(id);
            return c ? { labels: c.data.labels, data: c.data.datasets.map((d) => d.data),
                         width: c.width, height: c.height } : null;
        };
        return {
            state: document.querySelector('main').dataset.state,
            stale: visible('#stale-notice'),
            dashboard: visible('#dashboard'),
            details: visible('#details'),
            noUploads: visible('#no-uploads'),
            stateTitle: visible('#state') ? text(document, '#state-title') : null,
            stateText: text(document, '#state-text'),
            stateDetail: text(document, '#state-detail'),
            channelPicker: visible('#channel'),
            channels: [...document.querySelectorAll('#channel option')].map((o) => [o.value, o.textContent]),
            channel: document.querySelector('#channel').value,
            subtitle: text(document, '#channel-name'),
            pressed: [...document.querySelectorAll('[data-mode][aria-pressed="true"]')].map((b) => b.dataset.mode),
            kpis: [...document.querySelectorAll('#kpis .kpi')].map((k) => ({
                id: k.dataset.metric,
                label: text(k, '.kpi-label'),
                value: text(k, '.kpi-number'),
                unit: text(k, '.kpi-unit'),
                direction: k.dataset.direction,
                arrow: k.querySelector('.kpi-trend').className,
                change: text(k, '.kpi-change'),
                shown: k.offsetParent !== null,
            })),
            trend: chart('trend-chart'),
            age: chart('age-chart'),
            gender: chart('gender-chart'),
            genderLegend: [...document.querySelectorAll('#gender-legend .gender-row')].map((r) =>
                [r.dataset.gender, text(r, '.gender-value')]),
            videos: [...document.querySelectorAll('#top-videos .video')].map((v) => ({
                id: v.dataset.video,
                title: text(v, '.video-title'),
                date: text(v, '.video-date'),
                views: text(v, '.video-views'),
                engagement: text(v, '.video-engagement'),
                href: v.querySelector('a').getAttribute('href'),
                thumb: v.querySelector('.thumb').dataset.thumb,
                img: v.querySelector('.thumb img') ? v.querySelector('.thumb img').naturalWidth : null,
                tile: getComputedStyle(v.querySelector('.thumb')).backgroundImage,
            })),
            regions: [...document.querySelectorAll('#regions .region')].map((r) =>
                [r.dataset.region, text(r, '.region-value')]),
            overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        };
    });
}

const UNIT = { count: null, hours: 'hours', minutes: 'min' };

// Every number of a stats answer against the page.
function compare(shown, stats, mode, what) {
    is(shown.kpis.map((k) => k.id), stats.contentMetrics.map((m) => m.id), `${what}: the 8 KPI cards, in order`);
    stats.contentMetrics.forEach((m, i) => {
        const k = shown.kpis[i] || {};
        ok(k.shown, `${what}: ${m.id} card shown`);
        is(k.label, m.label, `${what}: ${m.id} label`);
        is(num(k.value), m.value, `${what}: ${m.id} value`);
        is(k.unit, UNIT[m.unit], `${what}: ${m.id} unit`);
        is(k.direction, m.trendDirection, `${what}: ${m.id} trend direction`);
        const arrow = { up: 'trend-up', down: 'trend-down', '-': 'trend-flat' }[m.trendDirection];
        ok((k.arrow || '').split(' ').includes(arrow), `${what}: ${m.id} arrow ${arrow}`, k.arrow);
        is(num(k.change), Math.abs(m.trend), `${what}: ${m.id} trend size`);
        is((k.change || '').endsWith('%'), m.id !== 'uploaded-videos', `${what}: ${m.id} trend unit`);
    });

    const points = mode === 'day' ? stats.dailyData : stats.monthlyData;
    is(points.length, mode === 'day' ? 30 : 12, `${what}: the API's ${mode} chart has its points`);
    const t = shown.trend || { labels: [], data: [] };
    is(t.labels, points.map((p) => (mode === 'day' ? p.date : p.month)), `${what}: chart labels`);
    is(t.data[0], points.map((p) => (mode === 'day' ? p.thisPeriod : p.thisYear)), `${what}: chart this period`);
    is(t.data[1], points.map((p) => (mode === 'day' ? p.lastPeriod : p.lastYear)), `${what}: chart previous period`);
    ok(t.width > 300 && t.height > 150, `${what}: chart drawn (${t.width}x${t.height})`);

    is(shown.videos.map((v) => v.id), stats.topContent.map((v) => v.id), `${what}: top videos, in order`);
    stats.topContent.forEach((v, i) => {
        const s = shown.videos[i] || {};
        is([s.title, s.date, num(s.views), s.engagement],
           [v.title, `Uploaded ${v.date}`, v.views, v.engagement], `${what}: top video ${v.id}`);
        is(s.href, `https://www.youtube.com/watch?v=${v.id}`, `${what}: top video ${v.id} link`);
    });

    const a = stats.audienceData;
    is(shown.age && shown.age.labels, a.ageGroups.map((g) => g.label), `${what}: age groups`);
    is(shown.age && shown.age.data[0], a.ageGroups.map((g) => g.percentage), `${what}: age percentages`);
    is(shown.gender && shown.gender.data[0], [a.gender.female, a.gender.male], `${what}: gender chart`);
    is(shown.genderLegend.map(([g, v]) => [g, num(v)]), [['female', a.gender.female], ['male', a.gender.male]],
       `${what}: gender figures`);
    is(shown.regions.map(([r, v]) => [r, num(v)]), a.topRegions.map((r) => [r.region, r.percentage]),
       `${what}: regions`);
}

// ---- the run ----------------------------------------------------------------

const started = Date.now();
const browser = await launch();
mark('browser up');
try {
    // -- a user with two channels: picker, month, day, the other channel --
    const two = users.two;
    const page = await openPage(browser, { user: two, password: 'pw' });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // One thumbnail loads (a 1x1 PNG), the others fail like the demo's.
    const kitchenTop = (await api(two, statsPath('month', 'UCuiKitchen00000000001'))).body.topContent;
    const loads = kitchenTop.length ? kitchenTop[0].thumbnail : null;
    await page.route((url) => url.href === loads, (route) => route.fulfill({
        contentType: 'image/png',
        body: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPoX3wcAAO+AfpKFSF0AAAAAElFTkSuQmCC', 'base64'),
    }));

    await page.goto(PAGE, { waitUntil: 'domcontentloaded' });
    let seq = Number((await settled(page)).seq);
    mark('first page');
    const accounts = (await api(two, '/dashboard/accounts')).body.accounts;
    let shown = await readPage(page);
    ok(shown.channelPicker, 'two channels: the channel picker is shown');
    is(shown.channels, accounts.map((a) => [a.platformUserId, a.channelTitle]), 'two channels: picker lists /dashboard/accounts');
    is(shown.channel, accounts[0].platformUserId, 'two channels: the newest connection is picked first');
    is(shown.subtitle, accounts[0].channelTitle, 'two channels: its title in the header');
    is(shown.pressed, ['month'], 'two channels: month mode at first');
    is(shown.state, 'ready', 'two channels: ready');
    ok(!shown.stale, 'a fresh answer: no stale notice');
    // Images load (or fail) after the page has settled.
    await page.waitForFunction(() => [...document.querySelectorAll('.thumb')]
        .every((t) => t.dataset.thumb !== 'loading'), null, { timeout: 10000 }).catch(() => {});
    shown = await readPage(page);
    const month1 = await api(two, statsPath('month', accounts[0].platformUserId));
    is(month1.status, 200, 'month answer from the API');
    compare(shown, month1.body, 'month', 'month, first channel');
    is(shown.videos.map((v) => v.thumb), shown.videos.map((v, i) => (i === 0 ? 'loaded' : 'missing')),
       'thumbnails: the one that loads is shown, the others fall back to the tile');
    ok(shown.videos.length > 1 && shown.videos.slice(1).every((v) => v.img === null && /gradient/.test(v.tile)),
       'thumbnails: a failed image is removed, the neutral tile stays');
    ok(shown.videos.length > 0 && shown.videos[0].img > 0, 'thumbnails: the loaded image is drawn');
    await page.screenshot({ path: `${shots}/dashboard-month.png`, fullPage: true });
    mark('month checked');

    // Keyboard: Tab to the "30 days" button, Space presses it.
    await page.focus('[data-mode="month"]');
    await page.keyboard.press('Tab');
    is(await page.evaluate(() => document.activeElement.dataset.mode), 'day', 'keyboard: Tab reaches the day switch');
    await page.keyboard.press('Space');
    seq = Number((await settled(page, seq + 1)).seq);
    shown = await readPage(page);
    is(shown.pressed, ['day'], 'day mode: the switch says so');
    const day1 = await api(two, statsPath('day', accounts[0].platformUserId));
    compare(shown, day1.body, 'day', 'day, first channel');
    ok(day1.body.contentMetrics[0].value !== month1.body.contentMetrics[0].value,
       'day and month answers differ (the switch changed the numbers)');
    ok(page.url().includes('mode=day'), 'day mode is in the address', page.url());

    mark('day checked');
    await page.selectOption('#channel', accounts[1].platformUserId);
    seq = Number((await settled(page, seq + 1)).seq);
    shown = await readPage(page);
    is(shown.subtitle, accounts[1].channelTitle, 'second channel: its title in the header');
    const day2 = await api(two, statsPath('day', accounts[1].platformUserId));
    compare(shown, day2.body, 'day', 'day, second channel');
    ok(day2.body.contentMetrics[0].value !== day1.body.contentMetrics[0].value,
       'the two channels\' answers differ (the picker changed the numbers)');

    mark('channel checked');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await settled(page);
    shown = await readPage(page);
    is([shown.channel, shown.pressed], [accounts[1].platformUserId, ['day']], 'a reload keeps channel and mode');

    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(200);
    shown = await readPage(page);
    is(shown.overflow, 0, 'phone width (375 px): nothing wider than the screen');
    ok(shown.kpis.every((k) => k.shown), 'phone width: the KPI cards are shown');
    await page.screenshot({ path: `${shots}/dashboard-phone.png`, fullPage: true });
    is(errors, [], 'no script error on the page');
    await page.context().close();

    // -- one user per state, in one page: a new context costs seconds, so
    // these send the Authorization header themselves (the login itself is
    // what the user above went through).
    const statePage = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    async function stateOf(user, shot) {
        await statePage.setExtraHTTPHeaders({
            Authorization: 'Basic ' + Buffer.from(`${user}:pw`).toString('base64') });
        await statePage.goto(PAGE, { waitUntil: 'domcontentloaded' });
        await settled(statePage);
        const s = await readPage(statePage);
        await statePage.screenshot({ path: `${shots}/${shot}.png` });
        mark(shot);
        return s;
    }

    let answer = await api(users.none, statsPath('month'));
    is([answer.status, answer.body.code], [404, 'YOUTUBE_NOT_CONNECTED'], 'no channel: the API says 404 YOUTUBE_NOT_CONNECTED');
    shown = await stateOf(users.none, 'state-no-channel');
    is(shown.state, 'no-channel', 'no channel: its state');
    is(shown.stateTitle, 'No YouTube channel connected', 'no channel: says so');
    ok(!shown.dashboard && !shown.channelPicker, 'no channel: no figures, no picker');

    answer = await api(users.empty, statsPath('month'));
    is([answer.status, answer.body.hasUploads], [200, false], 'no uploads: the API says hasUploads false');
    shown = await stateOf(users.empty, 'state-no-uploads');
    is(shown.state, 'no-uploads', 'no uploads: its state');
    ok(shown.noUploads && !shown.details, 'no uploads: the notice instead of charts and videos');
    is(shown.kpis.map((k) => num(k.value)), answer.body.contentMetrics.map((m) => m.value), 'no uploads: the KPIs are the API\'s zeros');

    answer = await api(users.expired, statsPath('month'));
    is([answer.status, answer.body.code], [401, 'YOUTUBE_TOKEN_EXPIRED'], 'token expired: the API says 401 YOUTUBE_TOKEN_EXPIRED');
    shown = await stateOf(users.expired, 'state-token-expired');
    is(shown.state, 'token-expired', 'token expired: its state');
    is(shown.stateTitle, 'Reconnect your YouTube channel', 'token expired: asks to reconnect');
    is(shown.stateDetail, answer.body.message, 'token expired: the API\'s message');

    answer = await api(users.error, statsPath('month'));
    is([answer.status, answer.body.code], [502, 'YOUTUBE_API_ERROR'], 'Google failing: the API says 502 YOUTUBE_API_ERROR');
    shown = await stateOf(users.error, 'state-error');
    is(shown.state, 'error', 'error: its state');
    is(shown.stateText, answer.body.message, 'error: the API\'s message, as is');
    is(shown.stateDetail, 'Error code: YOUTUBE_API_ERROR', 'error: the API\'s code');
    ok(!shown.dashboard, 'error: no figures');

    answer = await api(users.stale, statsPath('month'));
    is([answer.status, answer.cache], [200, 'stale'], 'stale: the API answers 200 with X-Dashboard-Cache: stale');
    shown = await stateOf(users.stale, 'state-stale');
    is(shown.state, 'ready', 'stale: the figures are shown');
    ok(shown.stale, 'stale: with the notice');
    compare(shown, answer.body, 'month', 'stale');

    await statePage.context().close();

    // -- the page is behind the API's login --------------------------------
    const anon = await browser.newContext();
    const res = await anon.request.get(PAGE);
    is(res.status(), 401, 'without credentials the page is 401');
    await anon.close();
} catch (e) {
    ok(false, 'the browser run finished', e.stack);
} finally {
    await browser.close();
}
console.log(`# browser test: ${((Date.now() - started) / 1000).toFixed(1)} s, screenshots in ${shots}`);
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
