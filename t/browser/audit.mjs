// What every state of the dashboard page must pass, in either language:
// every string the reader sees or hears is in the page's language, the
// "data through" line says what the API's dataThrough says, axe-core finds
// no WCAG 2.0/2.1 A or AA violation, every control is reached by Tab with
// a visible focus, nothing is wider than a 375 px screen, and the
// Content-Security-Policy blocked nothing. Used by t/browser/dashboard.mjs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Written here by hand, not taken from the page: what the reader must read.
export const KPI_NAMES = {
    en: ['Views', 'Watch time', 'Average view duration', 'New subscribers', 'Likes', 'Comments',
         'Shares', 'Videos uploaded'],
    ko: ['조회수', '시청 시간', '평균 시청 시간', '신규 구독자', '좋아요', '댓글', '공유', '업로드 영상'],
};
export const KPI_IDS = ['total-views', 'total-watch-time', 'avg-view-duration', 'new-subscribers',
    'likes', 'comments', 'shares', 'uploaded-videos'];
export const UNITS = { en: { count: null, hours: 'hours', minutes: 'min' },
                       ko: { count: null, hours: '시간', minutes: '분' } };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// "2026-11-27" as the page must write it: "27 Nov 2026" / "2026년 11월 27일"
// (ICU writes September "Sept" in English; either is English).
export function longDate(lang, day) {
    const [y, m, d] = day.split('-').map(Number);
    return lang === 'ko' ? `${y}년 ${m}월 ${d}일` : `${d} ${MONTHS[m - 1]} ${y}`;
}
function sameDate(lang, text, day) {
    return text === longDate(lang, day) || (lang === 'en' && text === longDate(lang, day).replace(' Sep ', ' Sept '));
}

// The data-through line the page must show for a stats answer (null:
// none). dataThrough absent (the no-uploads answer) shows no line.
export function dataThroughOk(lang, body, shown) {
    if (!body || !('dataThrough' in body)) { return shown === null; }
    if (body.dataThrough === null) {
        return shown === (lang === 'ko' ? '이 기간의 YouTube 데이터가 아직 없습니다'
            : 'YouTube has no data for this period yet');
    }
    if (shown === null) { return false; }
    const m = lang === 'ko' ? /^(.*)까지의 데이터$/.exec(shown) : /^Data through (.*)$/.exec(shown);
    return !!m && sameDate(lang, m[1], body.dataThrough);
}

// ---- the language of every string -------------------------------------

// Strings in the page: its text nodes (the visually hidden ones included:
// a screen reader reads them), its accessible names and titles, the
// document's title, and what Chart.js writes on its canvases (legends,
// axis labels). Each with the element it belongs to and its kind: "page"
// (the page's own words), "data" (in an element whose lang says another
// or an unknown language: a channel's or a video's own title) or "code"
// (translate="no": an identifier such as an error code or a region code).
function collectStrings() {
    const pageLang = document.documentElement.lang;
    const where = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
    const shown = (e) => {
        if (e.tagName === 'OPTION') { const s = e.closest('select'); return !!s && s.checkVisibility(); }
        return e.checkVisibility();
    };
    const kindOf = (e) => {
        const l = e.closest('[lang]');
        if (l && l !== document.documentElement && l.getAttribute('lang') !== pageLang) {
            return { kind: 'data', owner: where(l), lang: l.getAttribute('lang') };
        }
        return e.closest('[translate="no"]') ? { kind: 'code' } : { kind: 'page' };
    };
    const out = [{ text: document.title, where: 'title', kind: 'page' }];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const e = n.parentElement;
        const text = n.textContent.replace(/\s+/g, ' ').trim();
        if (!text || !e || e.closest('script, style') || !shown(e)) { continue; }
        out.push({ text, where: where(e), ...kindOf(e) });
    }
    for (const e of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) {
        if (!shown(e)) { continue; }
        for (const a of ['aria-label', 'title', 'alt', 'placeholder']) {
            const v = e.getAttribute(a);
            if (v && v.trim()) { out.push({ text: v.trim(), where: `${where(e)}[${a}]`, ...kindOf(e) }); }
        }
    }
    for (const c of document.querySelectorAll('canvas')) {
        const chart = window.Chart && Chart.getChart(c);
        if (!chart || !c.checkVisibility()) { continue; }
        for (const item of (chart.legend && chart.options.plugins.legend.display !== false
            ? chart.legend.legendItems || [] : [])) {
            out.push({ text: String(item.text), where: `${where(c)} legend`, kind: 'page' });
        }
        for (const [id, scale] of Object.entries(chart.scales || {})) {
            if (scale.options.display === false) { continue; }
            for (const t of scale.ticks || []) {
                const label = [].concat(t.label).join(' ').trim();
                if (label) { out.push({ text: label, where: `${where(c)} ${id} axis`, kind: 'page' }); }
            }
        }
    }
    return out;
}

const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/;
// The one Latin word of the Korean page: the service's name.
const LATIN_IN_KO = /YouTube/g;
// Where the page puts text that is not its own: these elements, marked
// lang="" (a title can be in any language); and the link to the page in
// the other language, whose name is in that language.
const DATA_OWNERS = ['p#channel-name.subtitle', 'option', 'span.video-title'];
const SWITCH = 'a#lang-switch.lang-switch';

// The strings of the page whose language is wrong, as readable lines.
export async function languageProblems(page, lang) {
    const strings = await page.evaluate(collectStrings);
    const bad = [];
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) { bad.push(`<html lang="${htmlLang}">, not ${lang}`); }
    for (const s of strings) {
        if (s.kind === 'page') {
            const wrong = lang === 'en' ? HANGUL.test(s.text) : /[A-Za-z]/.test(s.text.replace(LATIN_IN_KO, ''));
            if (wrong) { bad.push(`${s.where}: "${s.text}"`); }
        } else if (s.kind === 'code') {
            if (!/^[A-Z0-9_]+$/.test(s.text)) { bad.push(`${s.where} (an identifier?): "${s.text}"`); }
        } else if (s.owner === SWITCH) {
            const other = lang === 'en' ? 'ko' : 'en';
            const right = other === 'ko' ? HANGUL.test(s.text) : !HANGUL.test(s.text) && /[A-Za-z]/.test(s.text);
            if (s.lang !== other || !right) { bad.push(`${s.where} lang="${s.lang}": "${s.text}"`); }
        } else if (!DATA_OWNERS.includes(s.owner) || s.lang !== '') {
            bad.push(`${s.where} marked lang="${s.lang}" on ${s.owner}: "${s.text}"`);
        }
    }
    return { bad, count: strings.length, strings };
}

// ---- axe-core ------------------------------------------------------------

// Run through the DevTools protocol, which the page's CSP does not govern
// (a <script> tag of axe's source would be refused, as it should be).
export async function axeViolations(page) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) { await page.evaluate(AXE); }
    return page.evaluate(async (tags) => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags },
                                                   resultTypes: ['violations'] });
        return r.violations.map((v) => `${v.id} (${v.impact}): ` + v.nodes.map((n) => n.target.join(' ')).join(', '));
    }, AXE_TAGS);
}

// ---- the keyboard --------------------------------------------------------

// Tabs through the page (twice its focusable elements, so it comes round
// whatever had the focus) and returns the focusable elements Tab never
// reached and those it reached without a visible focus indicator: an
// outline, or a box-shadow that the element has only while focused.
export async function keyboardProblems(page) {
    await page.evaluate(() => {
        window.__describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (e.classList.contains('skip-link') ? '.skip-link' : '')
            + (e.dataset && e.dataset.mode ? `[data-mode=${e.dataset.mode}]` : '')
            + (e.closest('[data-video]') ? `[video ${e.closest('[data-video]').dataset.video}]` : '');
        window.__focused = new Map();
    });
    const focusable = await page.evaluate(() => [...document.querySelectorAll(
        'a[href], button, select, input, textarea, [tabindex]:not([tabindex="-1"])')]
        .filter((e) => !e.disabled && e.checkVisibility()).map((e) => window.__describe(e)));
    for (let i = 0; i < focusable.length * 2 + 2; i++) {
        await page.keyboard.press('Tab');
        await page.evaluate(() => {
            const e = document.activeElement;
            if (!e || e === document.body) { return; }
            const cs = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            window.__focused.set(e, {
                outline: e.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
                shadow: cs.boxShadow,
                onScreen: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
            });
        });
    }
    const seen = await page.evaluate(() => {
        document.activeElement.blur();
        return [...window.__focused].map(([e, f]) => {
            const ring = f.outline || f.shadow !== getComputedStyle(e).boxShadow;
            return { name: window.__describe(e), ring, onScreen: f.onScreen };
        });
    });
    const reached = new Set(seen.map((f) => f.name));
    const unseen = seen.filter((f) => !f.ring || !f.onScreen)
        .map((f) => `${f.name}${f.ring ? '' : ' (no focus ring)'}${f.onScreen ? '' : ' (off screen)'}`);
    return { focusable, missed: focusable.filter((f) => !reached.has(f)), unseen };
}

// ---- a phone's width -----------------------------------------------------

// At 375 px: how far the page is wider than the screen, the visible
// elements that reach past its edges (outside an ancestor that clips), and
// those whose content spills out of their own box.
export async function overflowAt375(page) {
    const before = page.viewportSize();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForFunction(() => innerWidth === 375);
    // Chart.js resizes its canvases on later animation frames (a loaded
    // machine may take a while): wait until each fits its box, or 5 s,
    // after which the check below names the one that does not.
    await page.waitForFunction(() => [...document.querySelectorAll('canvas')].every((c) =>
        !c.checkVisibility() || c.getBoundingClientRect().width <= c.parentElement.clientWidth + 1),
    null, { timeout: 5000 }).catch(() => {});
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const result = await page.evaluate(() => {
        const clipped = (e) => {
            for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                const o = getComputedStyle(p).overflowX;
                if (o === 'hidden' || o === 'clip' || o === 'auto' || o === 'scroll') { return true; }
            }
            return false;
        };
        const wide = [];
        for (const e of document.body.querySelectorAll('*')) {
            if (!e.checkVisibility() || e.closest('.visually-hidden, .skip-link')) { continue; }
            const r = e.getBoundingClientRect();
            if (r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5) && !clipped(e)) {
                wide.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.getAttribute('class')} ${Math.round(r.left)}–${Math.round(r.right)}`);
            }
        }
        // A box whose content is wider than itself (and not cut with an
        // ellipsis or clipped) spills over its neighbours.
        for (const e of document.body.querySelectorAll('*')) {
            if (!e.checkVisibility() || e.closest('.visually-hidden, .skip-link, svg')) { continue; }
            const cs = getComputedStyle(e);
            if (cs.display === 'inline' || cs.overflowX !== 'visible' || e.tagName === 'CANVAS') { continue; }
            if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0) {
                wide.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.getAttribute('class')} spills ${e.scrollWidth - e.clientWidth} px`);
            }
        }
        return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                 wide: wide.slice(0, 10) };
    });
    return { ...result, restore: () => page.setViewportSize(before) };
}
