// The dashboard page against the real module, in English and in Korean:
// what the page shows must be what the API answers, for both modes and
// both channels of a user, and each state (no channel, no uploads, token
// expired, stale, error) must appear when the API answers with it. Every
// state, in both languages, then passes t/browser/audit.mjs: the language
// of every string, the data-through line, axe-core, the keyboard, 375 px,
// the Content-Security-Policy. t/50_ui.t sets up the users and the faults,
// then runs this file; its output is TAP.
//   DASH_UI_BASE   http://127.0.0.1:PORT of the httpd under test
//   DASH_UI_USERS  JSON {two, one, none, empty, expired, error, stale}: user names
//   DASH_UI_SHOTS  where the screenshots go
import { mkdirSync } from 'node:fs';
import { launch, openPage, settled } from './browser.mjs';
import { KPI_IDS, KPI_NAMES, UNITS, longDate, dataThroughOk, languageProblems, axeViolations,
         keyboardProblems, overflowAt375 } from './audit.mjs';

const base = process.env.DASH_UI_BASE;
const users = JSON.parse(process.env.DASH_UI_USERS);
const shots = process.env.DASH_UI_SHOTS || 't/tmp/screenshots';
const PAGE = base + '/dashboard/ui/';
mkdirSync(shots, { recursive: true });

// The browser's languages that pick each language (navigator.languages).
const LOCALES = { en: 'en-US', ko: 'ko-KR' };

// The page's words the test looks for, written here by hand.
const WORDS = {
    en: {
        noChannel: 'No YouTube channel connected',
        reconnect: 'Reconnect your YouTube channel',
        failed: 'The dashboard could not be loaded',
        apiError: 'YouTube answered with an error. Try again in a little while.',
        code: (c) => `Error code: ${c}`,
        uploaded: (d) => `Uploaded ${d}`,
        month: (y, m) => `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]} ${y}`,
        partialThrough: (month, date, prev) =>
            `${month} is not over: its views run through ${date} and are compared with the same days of ${prev} (dashed).`,
        partialOpen: (month, prev) =>
            `${month} is not over: its views so far are compared with the same days of ${prev} (dashed).`,
        monthToDate: (month) => `${month} (month to date)`,
    },
    ko: {
        noChannel: '연결된 YouTube 채널이 없습니다',
        reconnect: 'YouTube 채널을 다시 연결하세요',
        failed: '대시보드를 불러오지 못했습니다',
        apiError: 'YouTube에서 오류를 반환했습니다. 잠시 후 다시 시도하세요.',
        code: (c) => `오류 코드: ${c}`,
        uploaded: (d) => `${d} 업로드`,
        month: (y, m) => `${y}년 ${m}월`,
        partialThrough: (month, date, prev) =>
            `${month}은 아직 끝나지 않은 달로, ${date}까지의 조회수를 ${prev}의 같은 날짜와 비교합니다(점선).`,
        partialOpen: (month, prev) =>
            `${month}은 아직 끝나지 않은 달로, 지금까지의 조회수를 ${prev}의 같은 날짜와 비교합니다(점선).`,
        monthToDate: (month) => `${month} (진행 중)`,
    },
};

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
            if (!c) { return null; }
            // Which segments (from point i-1 to i) each line draws dashed.
            const dashed = c.data.datasets.map((d) => c.data.labels.slice(1).map((_, j) => {
                const f = d.segment && d.segment.borderDash;
                return !!(f && f({ p0DataIndex: j, p1DataIndex: j + 1, type: 'segment' }));
            }));
            return { labels: c.data.labels, data: c.data.datasets.map((d) => d.data),
                     width: c.width, height: c.height, dashed, alt: c.canvas.getAttribute('aria-label') };
        };
        const table = (id) => {
            const t = document.getElementById(id);
            return { caption: text(t, 'caption'), rows: [...t.querySelectorAll('tbody tr')]
                .map((r) => [...r.children].map((c) => c.textContent)) };
        };
        return {
            lang: document.documentElement.lang,
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
            trendTable: table('trend-table'),
            partialNote: visible('#trend-partial') ? text(document, '#trend-partial') : null,
            age: chart('age-chart'),
            ageTable: table('age-table'),
            gender: chart('gender-chart'),
            genderTable: table('gender-table'),
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

// The month mode's last month: its note, its dashed segment, its row.
function checkPartial(shown, stats, lang, what) {
    const w = WORDS[lang];
    const last = stats.monthlyData[stats.monthlyData.length - 1].month;
    const [y, m] = last.split('-').map(Number);
    const month = w.month(y, m);
    const prev = w.month(y - 1, m);
    const through = typeof stats.dataThrough === 'string' && stats.dataThrough.startsWith(last)
        ? stats.dataThrough : null;
    const note = through ? w.partialThrough(month, longDate(lang, through), prev) : w.partialOpen(month, prev);
    ok(shown.partialNote === note || shown.partialNote === note.replace(' Sep ', ' Sept '),
       `${what}: the partial month's note names it and its like-for-like comparison`,
       `got:      ${shown.partialNote}\nexpected: ${note}`);
    const segments = stats.monthlyData.slice(1).map((_, i) => i === stats.monthlyData.length - 2);
    is(shown.trend && shown.trend.dashed, [segments, segments], `${what}: only the last month's segments are dashed`);
    const rows = shown.trendTable.rows;
    is(rows.length ? rows[rows.length - 1][0] : null, w.monthToDate(month), `${what}: the table marks it too`);
}

// Every number of a stats answer against the page.
function compare(shown, stats, mode, what, lang) {
    // So that the page's data-through line is checked against a real day.
    ok(/^\d{4}-\d{2}-\d{2}$/.test(stats.dataThrough), `${what}: the API says through which day (dataThrough)`,
       JSON.stringify(stats.dataThrough));
    is(stats.contentMetrics.map((m) => m.id), KPI_IDS, `${what}: the API's 8 metrics`);
    is(shown.kpis.map((k) => k.id), stats.contentMetrics.map((m) => m.id), `${what}: the 8 KPI cards, in order`);
    is(shown.kpis.map((k) => k.label), KPI_NAMES[lang], `${what}: KPI names in ${lang}, from the metric id`);
    stats.contentMetrics.forEach((m, i) => {
        const k = shown.kpis[i] || {};
        ok(k.shown, `${what}: ${m.id} card shown`);
        is(num(k.value), m.value, `${what}: ${m.id} value`);
        is(k.unit, UNITS[lang][m.unit], `${what}: ${m.id} unit`);
        is(k.direction, m.trendDirection, `${what}: ${m.id} trend direction`);
        const arrow = { up: 'trend-up', down: 'trend-down', '-': 'trend-flat' }[m.trendDirection];
        ok((k.arrow || '').split(' ').includes(arrow), `${what}: ${m.id} arrow ${arrow}`, k.arrow);
        is(num(k.change), Math.abs(m.trend), `${what}: ${m.id} trend size`);
        is((k.change || '').endsWith('%'), m.id !== 'uploaded-videos', `${what}: ${m.id} trend unit`);
    });

    const points = mode === 'day' ? stats.dailyData : stats.monthlyData;
    is(points.length, mode === 'day' ? 30 : 12, `${what}: the API's ${mode} chart has its points`);
    const t = shown.trend || { labels: [], data: [] };
    const current = points.map((p) => (mode === 'day' ? p.thisPeriod : p.thisYear));
    const previous = points.map((p) => (mode === 'day' ? p.lastPeriod : p.lastYear));
    is(t.labels, points.map((p) => (mode === 'day' ? p.date : p.month)), `${what}: chart labels`);
    is(t.data[0], current, `${what}: chart this period`);
    is(t.data[1], previous, `${what}: chart previous period`);
    ok(t.width > 300 && t.height > 150, `${what}: chart drawn (${t.width}x${t.height})`);
    ok(!!t.alt, `${what}: the chart has a summary (aria-label)`);
    is(shown.trendTable.rows.map((r) => [num(r[1]), num(r[2])]), current.map((c, i) => [c, previous[i]]),
       `${what}: the chart's table has its numbers`);
    if (mode === 'month') {
        checkPartial(shown, stats, lang, what);
    } else {
        is(shown.partialNote, null, `${what}: no partial month in day mode`);
        ok(t.dashed && t.dashed.flat().every((d) => !d), `${what}: no dashed segment in day mode`);
    }

    is(shown.videos.map((v) => v.id), stats.topContent.map((v) => v.id), `${what}: top videos, in order`);
    stats.topContent.forEach((v, i) => {
        const s = shown.videos[i] || {};
        const date = WORDS[lang].uploaded(longDate(lang, v.date.replace(/\./g, '-')));
        is([s.title, s.date && s.date.replace(' Sept ', ' Sep '), num(s.views), s.engagement],
           [v.title, date, v.views, v.engagement], `${what}: top video ${v.id}`);
        is(s.href, `https://www.youtube.com/watch?v=${v.id}`, `${what}: top video ${v.id} link`);
    });

    const a = stats.audienceData;
    is(shown.age && shown.age.labels, a.ageGroups.map((g) => g.label), `${what}: age groups`);
    is(shown.age && shown.age.data[0], a.ageGroups.map((g) => g.percentage), `${what}: age percentages`);
    is(shown.ageTable.rows.map((r) => [r[0], num(r[1])]), a.ageGroups.map((g) => [g.label, g.percentage]),
       `${what}: the age chart's table`);
    is(shown.gender && shown.gender.data[0], [a.gender.female, a.gender.male], `${what}: gender chart`);
    is(shown.genderLegend.map(([g, v]) => [g, num(v)]), [['female', a.gender.female], ['male', a.gender.male]],
       `${what}: gender figures`);
    is(shown.genderTable.rows.map((r) => num(r[1])), [a.gender.female, a.gender.male], `${what}: the gender chart's table`);
    is(shown.regions.map(([r, v]) => [r, num(v)]), a.topRegions.map((r) => [r.region, r.percentage]),
       `${what}: regions`);
}

// ---- the audit of one state ---------------------------------------------

// The Content-Security-Policy's refusals, as the page saw them.
async function watchCsp(context) {
    await context.addInitScript(() => {
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) =>
            window.__csp.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
    });
}

// body: the API's answer the page is showing (its dataThrough).
async function audit(page, lang, what, body, shot) {
    const words = await languageProblems(page, lang);
    is(words.bad, [], `${what}: every string in ${lang} (${words.count} strings)`);
    const through = await page.evaluate(() => {
        const e = document.getElementById('data-through');
        return e && e.checkVisibility() ? e.textContent : null;
    });
    ok(dataThroughOk(lang, body, through), `${what}: the data-through line`,
       `shown: ${JSON.stringify(through)}, the API's dataThrough: ${JSON.stringify(body && body.dataThrough)}`);
    is(await axeViolations(page), [], `${what}: axe-core, WCAG 2.0/2.1 A and AA: no violation`);
    const keys = await keyboardProblems(page);
    is(keys.missed, [], `${what}: Tab reaches every control (${keys.focusable.length})`);
    is(keys.unseen, [], `${what}: each shows where the focus is`);
    const phone = await overflowAt375(page);
    is([phone.overflow, phone.wide], [0, []], `${what}: at 375 px nothing is wider than the screen`);
    if (shot) { await page.screenshot({ path: `${shots}/${shot}-phone.png`, fullPage: true }); }
    await phone.restore();
    is(await page.evaluate(() => window.__csp), [], `${what}: the Content-Security-Policy refused nothing`);
}

// ---- the run ----------------------------------------------------------------

// A user with two channels, in the language of the browser: the picker,
// month, day, the other channel, a reload. Returns nothing; all is TAP.
async function twoChannels(browser, lang) {
    const two = users.two;
    const page = await openPage(browser, { user: two, password: 'pw', locale: LOCALES[lang] });
    await watchCsp(page.context());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // One thumbnail loads (a 1x1 PNG), the others fail like the demo's.
    const kitchenTop = (await api(two, statsPath('month', 'UCuiKitchen00000000001'))).body.topContent;
    const loads = kitchenTop.length ? kitchenTop[0].thumbnail : null;
    await page.route((url) => url.href === loads, (route) => route.fulfill({
        contentType: 'image/png',
        body: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPoX3wcAAO+AfpKFSF0AAAAAElFTkSuQmCC', 'base64'),
    }));

    const res = await page.goto(PAGE, { waitUntil: 'domcontentloaded' });
    const csp = res.headers()['content-security-policy'] || '';
    ok(/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) && !/unsafe-(inline|eval)/.test(csp),
       `${lang}: the page is served under a strict Content-Security-Policy`, csp);
    let seq = Number((await settled(page)).seq);
    mark(`${lang}: first page`);
    const accounts = (await api(two, '/dashboard/accounts')).body.accounts;
    let shown = await readPage(page);
    is(shown.lang, lang, `${lang}: the browser's language (${LOCALES[lang]}) chooses the page's`);
    ok(shown.channelPicker, `${lang}, two channels: the channel picker is shown`);
    is(shown.channels, accounts.map((a) => [a.platformUserId, a.channelTitle]), `${lang}, two channels: picker lists /dashboard/accounts`);
    is(shown.channel, accounts[0].platformUserId, `${lang}, two channels: the newest connection is picked first`);
    is(shown.subtitle, accounts[0].channelTitle, `${lang}, two channels: its title in the header`);
    is(shown.pressed, ['month'], `${lang}, two channels: month mode at first`);
    is(shown.state, 'ready', `${lang}, two channels: ready`);
    ok(!shown.stale, `${lang}: a fresh answer: no stale notice`);
    // Images load (or fail) after the page has settled.
    await page.waitForFunction(() => [...document.querySelectorAll('.thumb')]
        .every((t) => t.dataset.thumb !== 'loading'), null, { timeout: 10000 }).catch(() => {});
    shown = await readPage(page);
    const month1 = await api(two, statsPath('month', accounts[0].platformUserId));
    is(month1.status, 200, `${lang}: month answer from the API`);
    compare(shown, month1.body, 'month', `${lang}, month, first channel`, lang);
    is(shown.videos.map((v) => v.thumb), shown.videos.map((v, i) => (i === 0 ? 'loaded' : 'missing')),
       `${lang}: thumbnails: the one that loads is shown, the others fall back to the tile`);
    ok(shown.videos.length > 1 && shown.videos.slice(1).every((v) => v.img === null && /gradient/.test(v.tile)),
       `${lang}: thumbnails: a failed image is removed, the neutral tile stays`);
    ok(shown.videos.length > 0 && shown.videos[0].img > 0, `${lang}: thumbnails: the loaded image is drawn`);
    await page.screenshot({ path: `${shots}/${lang}-dashboard-month.png`, fullPage: true });
    await audit(page, lang, `${lang}, channel picker, month`, month1.body, `${lang}-dashboard-month`);
    mark(`${lang}: month checked`);

    // Keyboard: Tab to the "30 days" button, Space presses it.
    await page.focus('[data-mode="month"]');
    await page.keyboard.press('Tab');
    is(await page.evaluate(() => document.activeElement.dataset.mode), 'day', `${lang}, keyboard: Tab reaches the day switch`);
    await page.keyboard.press('Space');
    seq = Number((await settled(page, seq + 1)).seq);
    shown = await readPage(page);
    is(shown.pressed, ['day'], `${lang}, day mode: the switch says so`);
    const day1 = await api(two, statsPath('day', accounts[0].platformUserId));
    compare(shown, day1.body, 'day', `${lang}, day, first channel`, lang);
    ok(day1.body.contentMetrics[0].value !== month1.body.contentMetrics[0].value,
       `${lang}: day and month answers differ (the switch changed the numbers)`);
    ok(page.url().includes('mode=day'), `${lang}: day mode is in the address`, page.url());
    mark(`${lang}: day checked`);

    // Keyboard: the picker takes the arrow keys.
    await page.focus('#channel');
    await page.keyboard.press('ArrowDown');
    seq = Number((await settled(page, seq + 1)).seq);
    shown = await readPage(page);
    is(shown.subtitle, accounts[1].channelTitle, `${lang}, keyboard: ArrowDown in the picker shows the second channel`);
    const day2 = await api(two, statsPath('day', accounts[1].platformUserId));
    compare(shown, day2.body, 'day', `${lang}, day, second channel`, lang);
    ok(day2.body.contentMetrics[0].value !== day1.body.contentMetrics[0].value,
       `${lang}: the two channels' answers differ (the picker changed the numbers)`);
    await audit(page, lang, `${lang}, second channel, day`, day2.body, `${lang}-dashboard-day`);

    mark(`${lang}: channel checked`);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await settled(page);
    shown = await readPage(page);
    is([shown.channel, shown.pressed], [accounts[1].platformUserId, ['day']], `${lang}: a reload keeps channel and mode`);

    // The link to the other language, from the keyboard: same channel and mode.
    const other = lang === 'en' ? 'ko' : 'en';
    await page.focus('#lang-switch');
    await Promise.all([page.waitForURL(/[?&]lang=/), page.keyboard.press('Enter')]);
    await settled(page);
    shown = await readPage(page);
    is([shown.lang, shown.channel, shown.pressed], [other, accounts[1].platformUserId, ['day']],
       `${lang}: the language link opens the page in ${other}, same channel and mode`);
    is(errors, [], `${lang}: no script error on the page`);
    await page.context().close();
}

// One user per state, in one page: a new context costs seconds, so these
// send the Authorization header themselves (the login itself is what the
// user above went through).
async function states(browser, lang) {
    const page = await openPage(browser, { viewport: { width: 1280, height: 800 }, locale: LOCALES[lang] });
    await watchCsp(page.context());
    const w = WORDS[lang];
    async function stateOf(user, shot) {
        await page.setExtraHTTPHeaders({
            Authorization: 'Basic ' + Buffer.from(`${user}:pw`).toString('base64') });
        await page.goto(PAGE, { waitUntil: 'domcontentloaded' });
        const s = await settled(page);
        await page.screenshot({ path: `${shots}/${lang}-${shot}.png` });
        mark(`${lang}: ${shot}`);
        return { ...(await readPage(page)), seq: Number(s.seq) };
    }

    let answer = await api(users.one, statsPath('month'));
    is(answer.status, 200, 'one channel: the API answers 200');
    let shown = await stateOf(users.one, 'state-normal');
    is([shown.state, shown.channelPicker], ['ready', false], `${lang}, one channel: ready, no picker`);
    compare(shown, answer.body, 'month', `${lang}, one channel`, lang);
    await audit(page, lang, `${lang}, the normal page`, answer.body, `${lang}-state-normal`);

    answer = await api(users.none, statsPath('month'));
    is([answer.status, answer.body.code], [404, 'YOUTUBE_NOT_CONNECTED'], 'no channel: the API says 404 YOUTUBE_NOT_CONNECTED');
    shown = await stateOf(users.none, 'state-no-channel');
    is(shown.state, 'no-channel', `${lang}, no channel: its state`);
    is(shown.stateTitle, w.noChannel, `${lang}, no channel: says so`);
    ok(!shown.dashboard && !shown.channelPicker, `${lang}, no channel: no figures, no picker`);
    await audit(page, lang, `${lang}, no channel`, answer.body, `${lang}-state-no-channel`);

    answer = await api(users.empty, statsPath('month'));
    is([answer.status, answer.body.hasUploads, 'dataThrough' in answer.body], [200, false, false],
       'no uploads: the API says hasUploads false, and no dataThrough');
    shown = await stateOf(users.empty, 'state-no-uploads');
    is(shown.state, 'no-uploads', `${lang}, no uploads: its state`);
    ok(shown.noUploads && !shown.details, `${lang}, no uploads: the notice instead of charts and videos`);
    is(shown.kpis.map((k) => num(k.value)), answer.body.contentMetrics.map((m) => m.value), `${lang}, no uploads: the KPIs are the API's zeros`);
    is(shown.kpis.map((k) => k.label), KPI_NAMES[lang], `${lang}, no uploads: KPI names in ${lang}`);
    await audit(page, lang, `${lang}, no uploads`, answer.body, `${lang}-state-no-uploads`);

    answer = await api(users.expired, statsPath('month'));
    is([answer.status, answer.body.code], [401, 'YOUTUBE_TOKEN_EXPIRED'], 'token expired: the API says 401 YOUTUBE_TOKEN_EXPIRED');
    shown = await stateOf(users.expired, 'state-token-expired');
    is(shown.state, 'token-expired', `${lang}, token expired: its state`);
    is(shown.stateTitle, w.reconnect, `${lang}, token expired: asks to reconnect`);
    is(shown.stateDetail, w.code('YOUTUBE_TOKEN_EXPIRED'), `${lang}, token expired: the API's code`);
    await audit(page, lang, `${lang}, token expired`, answer.body, `${lang}-state-token-expired`);

    answer = await api(users.error, statsPath('month'));
    is([answer.status, answer.body.code], [502, 'YOUTUBE_API_ERROR'], 'Google failing: the API says 502 YOUTUBE_API_ERROR');
    shown = await stateOf(users.error, 'state-error');
    is(shown.state, 'error', `${lang}, error: its state`);
    is([shown.stateTitle, shown.stateText], [w.failed, w.apiError], `${lang}, error: says what failed, in its words`);
    is(shown.stateDetail, w.code('YOUTUBE_API_ERROR'), `${lang}, error: the API's code`);
    ok(!shown.dashboard, `${lang}, error: no figures`);
    // The retry button works from the keyboard: another request, same state.
    await page.focus('#retry');
    await page.keyboard.press('Enter');
    const again = await settled(page, shown.seq + 1);
    is([Number(again.seq), again.state], [shown.seq + 1, 'error'], `${lang}, error: Enter on "try again" asks again`);
    await audit(page, lang, `${lang}, error`, answer.body, `${lang}-state-error`);

    answer = await api(users.stale, statsPath('month'));
    is([answer.status, answer.cache], [200, 'stale'], 'stale: the API answers 200 with X-Dashboard-Cache: stale');
    shown = await stateOf(users.stale, 'state-stale');
    is(shown.state, 'ready', `${lang}, stale: the figures are shown`);
    ok(shown.stale, `${lang}, stale: with the notice`);
    compare(shown, answer.body, 'month', `${lang}, stale`, lang);
    await audit(page, lang, `${lang}, stale`, answer.body, `${lang}-state-stale`);
    await page.context().close();
}

// The data-through line and the partial month's note for dates the test
// chooses: the one-channel user's real answer with dataThrough set to a
// day of the chart's last month, then to null, then removed.
async function dataThroughCases(browser, lang) {
    const page = await openPage(browser, { user: users.one, password: 'pw', locale: LOCALES[lang] });
    const real = (await api(users.one, statsPath('month'))).body;
    const last = real.monthlyData[real.monthlyData.length - 1].month;
    let body = null;
    await page.route(/\/dashboard\/stats\?/, (route) => route.fulfill({
        status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) }));
    for (const through of [`${last}-09`, `${last}-01`, null, undefined]) {
        body = { ...real };
        if (through === undefined) { delete body.dataThrough; } else { body.dataThrough = through; }
        await page.goto(PAGE, { waitUntil: 'domcontentloaded' });
        await settled(page);
        const shown = await page.evaluate(() => {
            const e = document.getElementById('data-through');
            return e && e.checkVisibility() ? e.textContent : null;
        });
        const what = `${lang}, dataThrough ${JSON.stringify(through)}`;
        ok(dataThroughOk(lang, body, shown), `${what}: the data-through line`, `shown: ${JSON.stringify(shown)}`);
        if (typeof through === 'string') {
            is((shown || '').replace(' Sept ', ' Sep '), lang === 'ko' ? `${longDate(lang, through)}까지의 데이터`
                : `Data through ${longDate(lang, through)}`, `${what}: written out`);
        }
        checkPartial(await readPage(page), body, lang, what);
    }
    await page.context().close();
}

// Which language the page takes: ?lang over the browser's languages, the
// first of those that is English or Korean, else the site's default.
async function languageChoice(browser) {
    async function langOf({ locale, languages, query = '', siteDefault }) {
        const page = await openPage(browser, { user: users.one, password: 'pw', locale });
        if (languages) {
            await page.context().addInitScript((l) => {
                Object.defineProperty(Navigator.prototype, 'languages', { get: () => l });
            }, languages);
        }
        if (siteDefault) {
            await page.route((url) => url.pathname === '/dashboard/ui/', async (route) => {
                const res = await route.fetch();
                const html = (await res.text()).replace(/(<meta name="dashboard-lang" content=")[^"]*"/, `$1${siteDefault}"`);
                await route.fulfill({ response: res, body: html });
            });
        }
        await page.goto(PAGE + query, { waitUntil: 'domcontentloaded' });
        await settled(page);
        const got = await page.evaluate(() => [document.documentElement.lang, document.querySelector('h1').textContent]);
        await page.context().close();
        return got;
    }
    is(await langOf({ locale: 'ko-KR', query: '?lang=en' }), ['en', 'Channel dashboard'], 'language: ?lang=en wins over a Korean browser');
    is(await langOf({ locale: 'en-US', query: '?lang=ko' }), ['ko', '채널 대시보드'], 'language: ?lang=ko wins over an English browser');
    is(await langOf({ locale: 'ko-KR', query: '?lang=fr' }), ['ko', '채널 대시보드'], 'language: an unknown ?lang is ignored');
    is(await langOf({ locale: 'fr-FR', languages: ['fr-FR', 'ko', 'en'] }), ['ko', '채널 대시보드'],
       'language: the first of navigator.languages that the page speaks');
    is(await langOf({ locale: 'fr-FR', languages: ['fr-FR', 'de'] }), ['en', 'Channel dashboard'],
       'language: neither: the site\'s default as shipped (en)');
    is(await langOf({ locale: 'fr-FR', languages: ['fr-FR', 'de'], siteDefault: 'ko' }), ['ko', '채널 대시보드'],
       'language: neither: the site\'s default (dashboard-lang set to ko)');

    // ?lang stays in the address when the page rewrites it.
    const page = await openPage(browser, { user: users.two, password: 'pw', locale: 'en-US' });
    await page.goto(PAGE + '?lang=ko', { waitUntil: 'domcontentloaded' });
    const seq = Number((await settled(page)).seq);
    await page.click('[data-mode="day"]');
    await settled(page, seq + 1);
    ok(/[?&]lang=ko(&|$)/.test(page.url()) && /mode=day/.test(page.url()), 'language: ?lang stays in the address', page.url());
    await page.context().close();
}

const started = Date.now();
const browser = await launch();
mark('browser up');
try {
    for (const lang of ['en', 'ko']) {
        await twoChannels(browser, lang);
        await states(browser, lang);
        await dataThroughCases(browser, lang);
    }
    await languageChoice(browser);
    mark('languages checked');

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
