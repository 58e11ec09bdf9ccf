/* The dashboard page: reads /dashboard/accounts and /dashboard/stats (docs/api.md)
 * and draws them, in English or Korean (i18n.js). No build step; Chart.js
 * (3.9 or 4, vendor/) draws the charts. Every string that comes from the API
 * goes through textContent, never innerHTML, and no style is written inline
 * in the markup (the page runs under a Content-Security-Policy without
 * 'unsafe-inline'; setting element.style from this file is allowed). */
(function () {
    'use strict';

    var I18N = window.DashboardI18n;
    var LANG = I18N.choose(location.search, navigator.languages, meta('dashboard-lang'));
    var S = I18N.STRINGS[LANG];
    var LOCALE = I18N.LOCALES[LANG];
    var COLORS = {
        current: '#3b63c4',
        currentFill: 'rgba(59, 99, 196, 0.10)',
        previous: '#6e7787',
        grid: '#e8ebf0',
        text: '#4f5866',
        female: '#c2607d',
        male: '#3b63c4'
    };
    // The error codes with a state of their own; every other code is an
    // error with the page's own words for it (S.errors) and the code.
    var STATES = { YOUTUBE_NOT_CONNECTED: 'no-channel', YOUTUBE_TOKEN_EXPIRED: 'token-expired' };

    var els = {};
    var charts = {};
    var view = { accounts: [], channel: null, mode: 'month', seq: 0, retry: null };
    var number1 = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
    var monthName = new Intl.DateTimeFormat(LOCALE, { month: 'short', timeZone: 'UTC' });
    var monthYear = new Intl.DateTimeFormat(LOCALE, { month: 'short', year: 'numeric', timeZone: 'UTC' });
    var dayMonth = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    var fullDay = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    var regionName = typeof Intl.DisplayNames === 'function'
        ? new Intl.DisplayNames([LOCALE], { type: 'region' }) : null;

    function $(id) { return document.getElementById(id); }

    function meta(name) {
        var m = document.querySelector('meta[name="' + name + '"]');
        return m ? m.content : null;
    }

    // S's template with its {names} filled in.
    function fmt(template, vars) {
        return template.replace(/\{(\w+)\}/g, function (all, k) {
            return vars[k] !== undefined ? String(vars[k]) : all;
        });
    }

    // The link to this page in the other language: its name in its own
    // language, and this page's address with ?lang= changed.
    function updateLanguageSwitch() {
        var other = LANG === 'ko' ? 'en' : 'ko';
        var link = $('lang-switch');
        var params = new URLSearchParams(location.search);
        params.set('lang', other);
        link.textContent = I18N.STRINGS[other].languageName;
        link.lang = other;
        link.hreflang = other;
        link.href = '?' + params.toString();
    }

    // The markup's own words (data-i18n: text, data-i18n-label: aria-label).
    function localizeMarkup() {
        document.documentElement.lang = LANG;
        updateLanguageSwitch();
        Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (e) {
            e.textContent = S[e.dataset.i18n];
        });
        Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-label]'), function (e) {
            e.setAttribute('aria-label', S[e.dataset.i18nLabel]);
        });
    }

    function el(tag, className, text) {
        var e = document.createElement(tag);
        if (className) { e.className = className; }
        if (text !== undefined && text !== null) { e.textContent = String(text); }
        return e;
    }

    function apiUrl(path, params) {
        var meta = document.querySelector('meta[name="dashboard-api"]');
        var url = new URL(path, new URL(meta ? meta.content : '../', location.href));
        Object.keys(params || {}).forEach(function (k) {
            if (params[k] !== null && params[k] !== undefined) { url.searchParams.set(k, params[k]); }
        });
        return url;
    }

    // GET a JSON endpoint. Resolves to {ok, status, body, cache}; a body that is
    // not the API's JSON becomes an {code, message} of the page's own.
    function getJson(path, params) {
        return fetch(apiUrl(path, params), { cache: 'no-store', headers: { Accept: 'application/json' } })
            .then(function (res) {
                return res.text().then(function (text) {
                    var body = null;
                    try { body = JSON.parse(text); } catch (e) { body = null; }
                    if (!res.ok && !(body && typeof body.code === 'string')) {
                        body = { code: 'HTTP_' + res.status };
                    } else if (res.ok && (body === null || typeof body !== 'object')) {
                        return { ok: false, status: res.status, body: { code: 'BAD_RESPONSE' } };
                    }
                    return { ok: res.ok, status: res.status, body: body,
                             cache: (res.headers.get('X-Dashboard-Cache') || '').trim().toLowerCase() };
                });
            }, function () {
                return { ok: false, status: 0, body: { code: 'NETWORK' } };
            });
    }

    // ---- page state -------------------------------------------------------

    function setBusy(busy) {
        els.main.setAttribute('aria-busy', busy ? 'true' : 'false');
        els.dashboard.classList.toggle('is-loading', busy);
        if (busy) { els.main.dataset.state = 'loading'; }
    }

    // code: the API's error code, shown under the text (an identifier, the
    // same in both languages, for a reader who reports it).
    function showState(kind, title, text, code, retry) {
        els.dashboard.hidden = true;
        els.stale.hidden = true;
        els.period.textContent = '';
        els.dataThrough.hidden = true;
        els.state.hidden = false;
        els.state.dataset.kind = kind;
        els.stateTitle.textContent = title;
        els.stateText.textContent = text || '';
        els.stateText.hidden = !text;
        els.stateDetail.textContent = '';
        if (code) {
            els.stateDetail.appendChild(document.createTextNode(S.errorCode));
            els.stateDetail.appendChild(el('code', '', code)).setAttribute('translate', 'no');
        }
        els.stateDetail.hidden = !code;
        view.retry = retry || null;
        els.retry.hidden = !retry;
        els.main.dataset.state = kind;
    }

    function showError(answer, retry) {
        var code = (answer.body || {}).code;
        var kind = STATES[code];
        if (kind) {
            showState(kind, S.states[code][0], S.states[code][1], code,
                      kind === 'no-channel' ? null : retry);
            return;
        }
        showState('error', S.errorTitle, S.errors[code] || S.errors.OTHER, code || null, retry);
    }

    function saveLocation() {
        var params = new URLSearchParams();
        var lang = new URLSearchParams(location.search).get('lang');
        if (lang) { params.set('lang', lang); }
        if (view.accounts.length > 1 && view.channel) { params.set('channel', view.channel); }
        if (view.mode !== 'month') { params.set('mode', view.mode); }
        var q = params.toString();
        history.replaceState(null, '', location.pathname + (q ? '?' + q : ''));
        updateLanguageSwitch();
    }

    // ---- accounts ---------------------------------------------------------

    function accountName(a) {
        return a.channelTitle || a.platformUsername || a.platformUserId;
    }

    function loadAccounts() {
        setBusy(true);
        return getJson('accounts').then(function (answer) {
            if (!answer.ok || !Array.isArray(answer.body.accounts)) {
                setBusy(false);
                showError(answer, loadAccounts);
                return;
            }
            view.accounts = answer.body.accounts;
            var wanted = new URLSearchParams(location.search).get('channel');
            var ids = view.accounts.map(function (a) { return a.platformUserId; });
            view.channel = ids.indexOf(wanted) >= 0 ? wanted : (ids[0] || null);
            els.channel.textContent = '';
            view.accounts.forEach(function (a) {
                var o = el('option', '', accountName(a));
                o.value = a.platformUserId;
                o.lang = '';   // the channel's own title, in any language
                els.channel.appendChild(o);
            });
            els.channel.value = view.channel || '';
            els.channelField.hidden = view.accounts.length < 2;
            return loadStats();
        });
    }

    // ---- stats ------------------------------------------------------------

    function loadStats() {
        var seq = ++view.seq;
        setBusy(true);
        saveLocation();
        els.modeButtons.forEach(function (b) {
            b.setAttribute('aria-pressed', b.dataset.mode === view.mode ? 'true' : 'false');
        });
        var account = view.accounts.filter(function (a) { return a.platformUserId === view.channel; })[0];
        els.channelName.textContent = account ? accountName(account) : '';
        // Without any account the API itself says which state this is
        // (404 YOUTUBE_NOT_CONNECTED), so it is asked all the same.
        return getJson('stats', { mode: view.mode, platform_user_id: view.channel }).then(function (answer) {
            if (seq !== view.seq) { return; }   // a later choice is on its way
            setBusy(false);
            if (!answer.ok) {
                showError(answer, loadStats);
            } else {
                render(answer.body, answer.cache === 'stale');
            }
            els.main.dataset.mode = view.mode;
            els.main.dataset.channel = view.channel || '';
            els.main.dataset.seq = String(seq);
        });
    }

    function render(stats, stale) {
        els.state.hidden = true;
        els.dashboard.hidden = false;
        els.stale.hidden = !stale;
        els.main.dataset.cache = stale ? 'stale' : 'fresh';
        renderKpis(stats.contentMetrics || []);
        var hasUploads = stats.hasUploads !== false;
        els.noUploads.hidden = hasUploads;
        els.details.hidden = !hasUploads;
        renderPeriod(stats);
        renderDataThrough(stats);
        if (hasUploads) {
            renderTrend(stats);
            renderTopVideos(stats.topContent || []);
            renderAudience(stats.audienceData || {});
        }
        els.main.dataset.state = hasUploads ? 'ready' : 'no-uploads';
    }

    // ---- KPI cards ----------------------------------------------------------

    var ARROWS = {
        up: 'M12 5l7 8h-4.5v6h-5v-6H5z',
        down: 'M12 19l-7-8h4.5V5h5v6H19z',
        '-': 'M5 10.5h14v3H5z'
    };

    function arrow(direction) {
        var ns = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(ns, 'svg');
        svg.setAttribute('viewBox', '0 0 24 24');
        svg.setAttribute('aria-hidden', 'true');
        svg.setAttribute('focusable', 'false');
        svg.setAttribute('class', 'arrow');
        var path = document.createElementNS(ns, 'path');
        path.setAttribute('d', ARROWS[direction] || ARROWS['-']);
        svg.appendChild(path);
        return svg;
    }

    function trendText(m) {
        var size = number1.format(Math.abs(m.trend));
        return m.id === 'uploaded-videos' ? size : size + '%';
    }

    function trendWords(m) {
        var n = { n: number1.format(Math.abs(m.trend)) };
        var videos = m.id === 'uploaded-videos';
        if (m.trendDirection === 'up') { return fmt(videos ? S.videosUp : S.trendUp, n); }
        if (m.trendDirection === 'down') { return fmt(videos ? S.videosDown : S.trendDown, n); }
        return S.noChange;
    }

    function renderKpis(metrics) {
        els.kpis.textContent = '';
        metrics.forEach(function (m) {
            var li = el('li', 'kpi');
            li.dataset.metric = m.id;
            li.dataset.direction = m.trendDirection;
            // A metric this page does not know yet keeps the API's (Korean) label.
            var name = el('p', 'kpi-label', S.metrics[m.id] || m.label);
            if (!S.metrics[m.id]) { name.lang = 'ko'; }
            li.appendChild(name);
            var value = el('p', 'kpi-value');
            value.appendChild(el('span', 'kpi-number', number1.format(m.value)));
            var unit = S.units[m.unit] !== undefined ? S.units[m.unit] : m.unit;
            if (unit) { value.appendChild(el('span', 'kpi-unit', unit)); }
            li.appendChild(value);
            var trend = el('p', 'kpi-trend trend-' + (m.trendDirection === '-' ? 'flat' : m.trendDirection));
            trend.appendChild(arrow(m.trendDirection));
            var change = el('span', 'kpi-change', trendText(m));
            change.setAttribute('aria-hidden', 'true');
            trend.appendChild(change);
            trend.appendChild(el('span', 'visually-hidden', trendWords(m)));
            trend.appendChild(el('span', 'kpi-vs', S.vsPrevious));
            li.appendChild(trend);
            els.kpis.appendChild(li);
        });
    }

    // ---- the period chart -----------------------------------------------------

    function utcDate(s) {
        var p = s.split('-').map(Number);
        return new Date(Date.UTC(p[0], p[1] - 1, p[2] || 1));
    }

    function series(stats) {
        if (view.mode === 'day') {
            return {
                labels: (stats.dailyData || []).map(function (d) { return d.date; }),
                current: (stats.dailyData || []).map(function (d) { return d.thisPeriod; }),
                previous: (stats.dailyData || []).map(function (d) { return d.lastPeriod; }),
                currentName: S.last30,
                previousName: S.before30
            };
        }
        return {
            labels: (stats.monthlyData || []).map(function (d) { return d.month; }),
            current: (stats.monthlyData || []).map(function (d) { return d.thisYear; }),
            previous: (stats.monthlyData || []).map(function (d) { return d.lastYear; }),
            currentName: S.last12,
            previousName: S.yearEarlier
        };
    }

    function tickLabel(label, index) {
        if (view.mode === 'day') { return dayMonth.format(utcDate(label)); }
        var d = utcDate(label);
        return index === 0 || d.getUTCMonth() === 0 ? monthYear.format(d) : monthName.format(d);
    }

    function longLabel(label) {
        return view.mode === 'day' ? fullDay.format(utcDate(label)) : monthYear.format(utcDate(label));
    }

    function renderPeriod(stats) {
        var s = series(stats);
        if (!s.labels.length) { els.period.textContent = ''; return; }
        var first = longLabel(s.labels[0]);
        var last = longLabel(s.labels[s.labels.length - 1]);
        els.period.textContent = fmt(view.mode === 'day' ? S.periodDay : S.periodMonth,
                                     { first: first, last: last });
    }

    function isDay(s) { return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s); }

    // dataThrough: the last day Google has data for. Absent (the no-uploads
    // answer, or an API without it) says nothing; null says there is none.
    function renderDataThrough(stats) {
        var through = stats.dataThrough;
        els.dataThrough.hidden = !(through === null || isDay(through));
        els.dataThrough.textContent = through === null ? S.noDataYet
            : isDay(through) ? fmt(S.dataThrough, { date: fullDay.format(utcDate(through)) }) : '';
    }

    function chart(id, config) {
        if (charts[id]) { charts[id].destroy(); }
        charts[id] = new Chart($(id), config);
        return charts[id];
    }

    function sum(list) { return list.reduce(function (a, b) { return a + b; }, 0); }

    // A chart's text alternative: a table for screen readers (class
    // visually-hidden), its first column headers of rows.
    function fillTable(table, caption, head, rows) {
        table.textContent = '';
        table.appendChild(el('caption', '', caption));
        var tr = el('tr');
        head.forEach(function (h) { tr.appendChild(el('th', '', h)).setAttribute('scope', 'col'); });
        table.appendChild(el('thead')).appendChild(tr);
        var body = el('tbody');
        rows.forEach(function (row) {
            var r = el('tr');
            row.forEach(function (cell, i) {
                var c = r.appendChild(el(i === 0 ? 'th' : 'td', '', cell));
                if (i === 0) { c.setAttribute('scope', 'row'); }
            });
            body.appendChild(r);
        });
        table.appendChild(body);
    }

    // Month mode's chart ends with the current month, counted to date
    // (docs/behaviour.md#date-windows) on both sides, the year before over
    // the same days: its segment is dashed and a note says so, so that its
    // drop does not read as a collapse.
    function partial(index, s) {
        return view.mode === 'month' && index === s.labels.length - 1;
    }

    function renderPartialNote(stats, s) {
        var n = s.labels.length;
        if (view.mode !== 'month' || !n) { els.trendPartial.hidden = true; return; }
        var month = utcDate(s.labels[n - 1]);
        var before = new Date(Date.UTC(month.getUTCFullYear() - 1, month.getUTCMonth(), 1));
        var through = isDay(stats.dataThrough) && stats.dataThrough.slice(0, 7) === s.labels[n - 1]
            ? stats.dataThrough : null;
        els.trendPartial.textContent = fmt(through ? S.partialThrough : S.partialOpen, {
            month: monthYear.format(month),
            date: through ? fullDay.format(utcDate(through)) : '',
            previous: monthYear.format(before)
        });
        els.trendPartial.hidden = false;
    }

    function rowLabel(label, index, s) {
        var text = longLabel(label);
        return partial(index, s) ? fmt(S.partialMark, { month: text }) : text;
    }

    function renderTrend(stats) {
        var s = series(stats);
        var title = view.mode === 'day' ? S.dailyViews : S.monthlyViews;
        els.trendTitle.textContent = title;
        els.trendNote.textContent = view.mode === 'day' ? S.noteDay : S.noteMonth;
        renderPartialNote(stats, s);
        $('trend-chart').setAttribute('aria-label', fmt(S.chartSummary, {
            title: title, current: number1.format(sum(s.current)), previous: number1.format(sum(s.previous)) }));
        fillTable($('trend-table'), title,
                  [view.mode === 'day' ? S.dateColumn : S.monthColumn, s.currentName, s.previousName],
                  s.labels.map(function (label, i) {
                      return [rowLabel(label, i, s), number1.format(s.current[i]), number1.format(s.previous[i])];
                  }));
        var dashed = { borderDash: function (ctx) { return partial(ctx.p1DataIndex, s) ? [6, 5] : undefined; } };
        chart('trend-chart', {
            type: 'line',
            data: {
                labels: s.labels,
                datasets: [
                    { label: s.currentName, data: s.current, borderColor: COLORS.current,
                      backgroundColor: COLORS.currentFill, fill: true, tension: 0.3, segment: dashed,
                      borderWidth: 2.5, pointRadius: view.mode === 'day' ? 0 : 3, pointHoverRadius: 5,
                      // The partial month's point is hollow.
                      pointBackgroundColor: s.labels.map(function (l, i) { return partial(i, s) ? '#fff' : COLORS.current; }),
                      pointBorderColor: COLORS.current },
                    { label: s.previousName, data: s.previous, borderColor: COLORS.previous,
                      backgroundColor: COLORS.previous, fill: false, segment: dashed,
                      tension: 0.3, borderWidth: 1.5, pointRadius: 0, pointHoverRadius: 4 }
                ]
            },
            options: {
                maintainAspectRatio: false,
                interaction: { mode: 'index', intersect: false },
                // Chart.js 3 names the axis line grid.drawBorder, 4 names it border.display.
                scales: {
                    x: { grid: { display: false },
                         ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 12,
                                  callback: function (v, i) { return tickLabel(this.getLabelForValue(v), i); } } },
                    y: { beginAtZero: true, grid: { color: COLORS.grid, drawBorder: false }, border: { display: false },
                         ticks: { maxTicksLimit: 6,
                                  callback: function (v) { return compact(v); } } }
                },
                plugins: {
                    legend: { position: 'bottom', align: 'start',
                              labels: { usePointStyle: true, pointStyle: 'line', boxWidth: 24 } },
                    tooltip: { callbacks: {
                        title: function (items) {
                            return rowLabel(items[0].label, items[0].dataIndex, s);
                        },
                        label: function (item) {
                            return ' ' + fmt(S.tooltipViews, { name: item.dataset.label, n: number1.format(item.parsed.y) });
                        } } }
                }
            }
        });
    }

    var compactFormat = new Intl.NumberFormat(LOCALE, { notation: 'compact', maximumFractionDigits: 1 });
    function compact(v) { return compactFormat.format(v); }

    // ---- top videos -------------------------------------------------------------

    function thumbnail(item, rank) {
        var box = el('span', 'thumb');
        box.dataset.thumb = 'loading';
        var img = document.createElement('img');
        img.alt = '';
        img.width = 320;
        img.height = 180;
        img.decoding = 'async';
        img.addEventListener('load', function () { box.dataset.thumb = 'loaded'; });
        // No network, a deleted video, a blocked host: the neutral tile stays.
        img.addEventListener('error', function () {
            box.dataset.thumb = 'missing';
            img.remove();
        });
        img.src = item.thumbnail;
        box.appendChild(img);
        box.appendChild(el('span', 'video-rank', rank)).setAttribute('aria-hidden', 'true');
        return box;
    }

    // The API's YYYY.MM.DD, in the reader's language.
    function uploadDate(date) {
        var p = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(String(date));
        return p ? fullDay.format(utcDate(p[1] + '-' + p[2] + '-' + p[3])) : String(date);
    }

    function renderTopVideos(items) {
        els.topVideos.textContent = '';
        els.topEmpty.hidden = items.length > 0;
        items.forEach(function (item, i) {
            var li = el('li', 'video');
            li.dataset.video = item.id;
            var link = el('a', 'video-link');
            link.href = 'https://www.youtube.com/watch?v=' + encodeURIComponent(item.id);
            link.target = '_blank';
            link.rel = 'noopener noreferrer';
            link.appendChild(thumbnail(item, i + 1));
            var text = el('span', 'video-text');
            text.appendChild(el('span', 'video-title', item.title)).lang = '';   // any language
            text.appendChild(el('span', 'video-date', fmt(S.uploaded, { date: uploadDate(item.date) })));
            text.appendChild(el('span', 'visually-hidden', S.newTab));
            link.appendChild(text);
            li.appendChild(link);
            var stats = el('dl', 'video-stats');
            [[S.views, 'video-views', number1.format(item.views)],
             [S.engagement, 'video-engagement', item.engagement]].forEach(function (row) {
                var div = el('div', '');
                div.appendChild(el('dt', '', row[0]));
                div.appendChild(el('dd', row[1], row[2]));
                stats.appendChild(div);
            });
            li.appendChild(stats);
            els.topVideos.appendChild(li);
        });
    }

    // ---- audience ---------------------------------------------------------------

    function percent(v) { return number1.format(v) + '%'; }

    function renderAudience(audience) {
        var ages = audience.ageGroups || [];
        $('age-chart').setAttribute('aria-label', fmt(S.ageSummary, { list: ages.map(function (a) {
            return a.label + ' ' + percent(a.percentage);
        }).join(', ') }));
        fillTable($('age-table'), S.age, [S.ageColumn, S.shareColumn], ages.map(function (a) {
            return [a.label, percent(a.percentage)];
        }));
        chart('age-chart', {
            type: 'bar',
            data: {
                labels: ages.map(function (a) { return a.label; }),
                datasets: [{ label: S.shareColumn, data: ages.map(function (a) { return a.percentage; }),
                             backgroundColor: COLORS.current, borderRadius: 4, maxBarThickness: 28 }]
            },
            options: {
                maintainAspectRatio: false,
                scales: {
                    x: { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0, font: { size: 11 } } },
                    y: { beginAtZero: true, grid: { color: COLORS.grid, drawBorder: false }, border: { display: false },
                         ticks: { maxTicksLimit: 5, callback: function (v) { return percent(v); } } }
                },
                plugins: { legend: { display: false },
                           tooltip: { callbacks: { label: function (item) { return ' ' + percent(item.parsed.y); } } } }
            }
        });

        var gender = audience.gender || { male: 0, female: 0 };
        var parts = [{ key: 'female', name: S.female, value: gender.female, color: COLORS.female },
                     { key: 'male', name: S.male, value: gender.male, color: COLORS.male }];
        $('gender-chart').setAttribute('aria-label', fmt(S.genderSummary, { list: parts.map(function (p) {
            return p.name + ' ' + percent(p.value);
        }).join(', ') }));
        fillTable($('gender-table'), S.gender, [S.genderColumn, S.shareColumn], parts.map(function (p) {
            return [p.name, percent(p.value)];
        }));
        chart('gender-chart', {
            type: 'doughnut',
            data: {
                labels: parts.map(function (p) { return p.name; }),
                datasets: [{ data: parts.map(function (p) { return p.value; }),
                             backgroundColor: parts.map(function (p) { return p.color; }),
                             borderWidth: 2, borderColor: '#fff' }]
            },
            options: {
                maintainAspectRatio: false,
                cutout: '68%',
                plugins: { legend: { display: false },
                           tooltip: { callbacks: { label: function (item) { return ' ' + item.label + ': ' + percent(item.parsed); } } } }
            }
        });
        els.genderLegend.textContent = '';
        parts.forEach(function (p) {
            var row = el('div', 'gender-row');
            row.dataset.gender = p.key;
            var dt = el('dt', '', p.name);
            dt.prepend(el('span', 'swatch'));
            dt.firstChild.style.background = p.color;
            row.appendChild(dt);
            row.appendChild(el('dd', 'gender-value', percent(p.value)));
            els.genderLegend.appendChild(row);
        });

        var regions = audience.topRegions || [];
        els.regions.textContent = '';
        els.regionsEmpty.hidden = regions.length > 0;
        var top = regions.reduce(function (m, r) { return Math.max(m, r.percentage); }, 0);
        regions.forEach(function (r) {
            var li = el('li', 'region');
            li.dataset.region = r.region;
            var name = el('span', 'region-name', regionLabel(r.region));
            name.appendChild(el('span', 'region-code', r.region)).setAttribute('translate', 'no');
            li.appendChild(name);
            var bar = el('span', 'region-bar');
            bar.setAttribute('aria-hidden', 'true');
            var fill = el('span', 'region-fill');
            fill.style.width = (top > 0 ? (r.percentage / top) * 100 : 0) + '%';
            bar.appendChild(fill);
            li.appendChild(bar);
            li.appendChild(el('span', 'region-value', percent(r.percentage)));
            els.regions.appendChild(li);
        });
    }

    function regionLabel(code) {
        try {
            var name = regionName && regionName.of(code);
            return name && name !== code ? name : code;
        } catch (e) {
            return code;
        }
    }

    // ---- start ------------------------------------------------------------------

    function start() {
        localizeMarkup();
        ['main', 'dashboard', 'state', 'period', 'kpis', 'details', 'regions', 'retry']
            .forEach(function (id) { els[id] = $(id); });
        els.dataThrough = $('data-through');
        els.trendPartial = $('trend-partial');
        els.stale = $('stale-notice');
        els.stateTitle = $('state-title');
        els.stateText = $('state-text');
        els.stateDetail = $('state-detail');
        els.channel = $('channel');
        els.channelField = $('channel-field');
        els.channelName = $('channel-name');
        els.noUploads = $('no-uploads');
        els.trendTitle = $('trend-title');
        els.trendNote = $('trend-note');
        els.topVideos = $('top-videos');
        els.topEmpty = $('top-empty');
        els.regionsEmpty = $('regions-empty');
        els.genderLegend = $('gender-legend');
        els.modeButtons = Array.prototype.slice.call(document.querySelectorAll('[data-mode]'));

        if (typeof Chart === 'function') {
            Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
            Chart.defaults.color = COLORS.text;
            if (matchMedia('(prefers-reduced-motion: reduce)').matches) { Chart.defaults.animation = false; }
        }
        var mode = new URLSearchParams(location.search).get('mode');
        view.mode = mode === 'day' ? 'day' : 'month';

        $('controls').addEventListener('submit', function (e) { e.preventDefault(); });
        els.modeButtons.forEach(function (b) {
            b.addEventListener('click', function () {
                if (view.mode === b.dataset.mode && els.main.dataset.state !== 'error') { return; }
                view.mode = b.dataset.mode;
                loadStats();
            });
        });
        els.channel.addEventListener('change', function () {
            view.channel = els.channel.value;
            loadStats();
        });
        els.retry.addEventListener('click', function () {
            if (view.retry) { view.retry(); }
        });

        if (typeof Chart !== 'function') {
            showState('error', S.errorTitle, S.errors.NO_CHARTS, null, null);
            return;
        }
        loadAccounts();
    }

    document.addEventListener('DOMContentLoaded', start);
}());
