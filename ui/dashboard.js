/* The dashboard page: reads /dashboard/accounts and /dashboard/stats (docs/api.md)
 * and draws them. No build step; Chart.js 4 (vendor/chart.umd.js) draws the charts.
 * Every string that comes from the API goes through textContent, never innerHTML. */
(function () {
    'use strict';

    var LOCALE = 'en-US';
    var UNITS = { hours: 'hours', minutes: 'min', count: '' };
    var COLORS = {
        current: '#3b63c4',
        currentFill: 'rgba(59, 99, 196, 0.10)',
        previous: '#9aa3b2',
        grid: '#e8ebf0',
        text: '#5b6472',
        female: '#c2607d',
        male: '#3b63c4'
    };
    // An error code the page answers with a state of its own; any other code
    // shows the API's message as it is.
    var STATES = {
        YOUTUBE_NOT_CONNECTED: {
            state: 'no-channel',
            title: 'No YouTube channel connected',
            text: 'Connect a YouTube channel to your account to see its views, ' +
                  'top videos and audience here.'
        },
        YOUTUBE_TOKEN_EXPIRED: {
            state: 'token-expired',
            title: 'Reconnect your YouTube channel',
            text: 'YouTube no longer accepts this channel\'s authorization: it has ' +
                  'expired or was revoked. Reconnect the channel to see its statistics again.'
        }
    };

    var els = {};
    var charts = {};
    var view = { accounts: [], channel: null, mode: 'month', seq: 0, retry: null };
    var number1 = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
    var monthName = new Intl.DateTimeFormat(LOCALE, { month: 'short', timeZone: 'UTC' });
    var monthYear = new Intl.DateTimeFormat(LOCALE, { month: 'short', year: 'numeric', timeZone: 'UTC' });
    var dayMonth = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    var fullDay = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
    var regionName = typeof Intl.DisplayNames === 'function'
        ? new Intl.DisplayNames([LOCALE], { type: 'region' }) : null;

    function $(id) { return document.getElementById(id); }

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
                    if (!res.ok && !(body && typeof body.message === 'string')) {
                        body = { code: 'HTTP_' + res.status,
                                 message: 'The server answered ' + res.status + ' ' + res.statusText + '.' };
                    } else if (res.ok && (body === null || typeof body !== 'object')) {
                        return { ok: false, status: res.status,
                                 body: { code: 'BAD_RESPONSE', message: 'The server\'s answer is not JSON.' } };
                    }
                    return { ok: res.ok, status: res.status, body: body,
                             cache: (res.headers.get('X-Dashboard-Cache') || '').trim().toLowerCase() };
                });
            }, function () {
                return { ok: false, status: 0,
                         body: { code: 'NETWORK', message: 'The server could not be reached.' } };
            });
    }

    // ---- page state -------------------------------------------------------

    function setBusy(busy) {
        els.main.setAttribute('aria-busy', busy ? 'true' : 'false');
        els.dashboard.classList.toggle('is-loading', busy);
        if (busy) { els.main.dataset.state = 'loading'; }
    }

    function showState(kind, title, text, detail, retry) {
        els.dashboard.hidden = true;
        els.stale.hidden = true;
        els.period.textContent = '';
        els.state.hidden = false;
        els.state.dataset.kind = kind;
        els.stateTitle.textContent = title;
        els.stateText.textContent = text || '';
        els.stateText.hidden = !text;
        els.stateDetail.textContent = detail || '';
        els.stateDetail.hidden = !detail;
        view.retry = retry || null;
        els.retry.hidden = !retry;
        els.main.dataset.state = kind;
    }

    function showError(answer, retry) {
        var body = answer.body || {};
        var known = STATES[body.code];
        if (known) {
            showState(known.state, known.title, known.text, body.message,
                      known.state === 'no-channel' ? null : retry);
            return;
        }
        showState('error', 'The dashboard could not be loaded', body.message,
                  body.code ? 'Error code: ' + body.code : '', retry);
    }

    function saveLocation() {
        var params = new URLSearchParams();
        if (view.accounts.length > 1 && view.channel) { params.set('channel', view.channel); }
        if (view.mode !== 'month') { params.set('mode', view.mode); }
        var q = params.toString();
        history.replaceState(null, '', location.pathname + (q ? '?' + q : ''));
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
                o.lang = 'ko';
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
        var what = m.id === 'uploaded-videos' ? ' videos' : ' percent';
        if (m.trendDirection === 'up') { return 'Up ' + number1.format(Math.abs(m.trend)) + what; }
        if (m.trendDirection === 'down') { return 'Down ' + number1.format(Math.abs(m.trend)) + what; }
        return 'No change';
    }

    function renderKpis(metrics) {
        els.kpis.textContent = '';
        metrics.forEach(function (m) {
            var li = el('li', 'kpi');
            li.dataset.metric = m.id;
            li.dataset.direction = m.trendDirection;
            li.appendChild(el('p', 'kpi-label', m.label)).lang = 'ko';
            var value = el('p', 'kpi-value');
            value.appendChild(el('span', 'kpi-number', number1.format(m.value)));
            var unit = UNITS[m.unit] !== undefined ? UNITS[m.unit] : m.unit;
            if (unit) { value.appendChild(el('span', 'kpi-unit', unit)); }
            li.appendChild(value);
            var trend = el('p', 'kpi-trend trend-' + (m.trendDirection === '-' ? 'flat' : m.trendDirection));
            trend.appendChild(arrow(m.trendDirection));
            var change = el('span', 'kpi-change', trendText(m));
            change.setAttribute('aria-hidden', 'true');
            trend.appendChild(change);
            trend.appendChild(el('span', 'visually-hidden', trendWords(m)));
            trend.appendChild(el('span', 'kpi-vs', 'vs previous'));
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
                currentName: 'Last 30 days',
                previousName: 'The 30 days before'
            };
        }
        return {
            labels: (stats.monthlyData || []).map(function (d) { return d.month; }),
            current: (stats.monthlyData || []).map(function (d) { return d.thisYear; }),
            previous: (stats.monthlyData || []).map(function (d) { return d.lastYear; }),
            currentName: 'Last 12 months',
            previousName: 'A year earlier'
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
        els.period.textContent = view.mode === 'day'
            ? first + ' – ' + last + ', compared with the 30 days before'
            : first + ' – ' + last + ', compared with the same months a year earlier';
    }

    function chart(id, config) {
        if (charts[id]) { charts[id].destroy(); }
        charts[id] = new Chart($(id), config);
        return charts[id];
    }

    function sum(list) { return list.reduce(function (a, b) { return a + b; }, 0); }

    // Month mode's chart ends on the first day of the current month
    // (docs/behaviour.md#date-windows): its last point is a partial month,
    // drawn dashed so that its drop does not read as a collapse.
    function partial(index, s) {
        return view.mode === 'month' && index === s.labels.length - 1;
    }

    function renderTrend(stats) {
        var s = series(stats);
        els.trendTitle.textContent = view.mode === 'day' ? 'Daily views' : 'Monthly views';
        els.trendNote.textContent = s.currentName + ' against ' + s.previousName.toLowerCase();
        $('trend-chart').setAttribute('aria-label', els.trendTitle.textContent + ': ' +
            number1.format(sum(s.current)) + ' views in total, against ' +
            number1.format(sum(s.previous)) + ' in the period before.');
        chart('trend-chart', {
            type: 'line',
            data: {
                labels: s.labels,
                datasets: [
                    { label: s.currentName, data: s.current, borderColor: COLORS.current,
                      backgroundColor: COLORS.currentFill, fill: true, tension: 0.3,
                      segment: { borderDash: function (ctx) { return partial(ctx.p1DataIndex, s) ? [5, 4] : undefined; } },
                      borderWidth: 2.5, pointRadius: view.mode === 'day' ? 0 : 3,
                      pointHoverRadius: 5, pointBackgroundColor: COLORS.current },
                    { label: s.previousName, data: s.previous, borderColor: COLORS.previous,
                      backgroundColor: COLORS.previous, borderDash: [5, 4], fill: false,
                      tension: 0.3, borderWidth: 2, pointRadius: 0, pointHoverRadius: 4 }
                ]
            },
            options: {
                maintainAspectRatio: false,
                interaction: { mode: 'index', intersect: false },
                scales: {
                    x: { grid: { display: false },
                         ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 12,
                                  callback: function (v, i) { return tickLabel(this.getLabelForValue(v), i); } } },
                    y: { beginAtZero: true, grid: { color: COLORS.grid }, border: { display: false },
                         ticks: { maxTicksLimit: 6,
                                  callback: function (v) { return compact(v); } } }
                },
                plugins: {
                    legend: { position: 'bottom', align: 'start',
                              labels: { usePointStyle: true, pointStyle: 'line', boxWidth: 24 } },
                    tooltip: { callbacks: {
                        title: function (items) {
                            return longLabel(items[0].label) + (partial(items[0].dataIndex, s) ? ' (partial month)' : '');
                        },
                        label: function (item) {
                            return ' ' + item.dataset.label + ': ' + number1.format(item.parsed.y) + ' views';
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
            text.appendChild(el('span', 'video-title', item.title)).lang = 'ko';
            text.appendChild(el('span', 'video-date', 'Uploaded ' + item.date));
            link.appendChild(text);
            li.appendChild(link);
            var stats = el('dl', 'video-stats');
            [['Views', 'video-views', number1.format(item.views)],
             ['Engagement', 'video-engagement', item.engagement]].forEach(function (row) {
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
        $('age-chart').setAttribute('aria-label', 'Views by age group: ' + ages.map(function (a) {
            return a.label + ' ' + percent(a.percentage);
        }).join(', '));
        chart('age-chart', {
            type: 'bar',
            data: {
                labels: ages.map(function (a) { return a.label; }),
                datasets: [{ label: 'Share of views', data: ages.map(function (a) { return a.percentage; }),
                             backgroundColor: COLORS.current, borderRadius: 4, maxBarThickness: 28 }]
            },
            options: {
                maintainAspectRatio: false,
                scales: {
                    x: { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0, font: { size: 11 } } },
                    y: { beginAtZero: true, grid: { color: COLORS.grid }, border: { display: false },
                         ticks: { maxTicksLimit: 5, callback: function (v) { return v + '%'; } } }
                },
                plugins: { legend: { display: false },
                           tooltip: { callbacks: { label: function (item) { return ' ' + percent(item.parsed.y); } } } }
            }
        });

        var gender = audience.gender || { male: 0, female: 0 };
        var parts = [{ key: 'female', name: 'Female', value: gender.female, color: COLORS.female },
                     { key: 'male', name: 'Male', value: gender.male, color: COLORS.male }];
        $('gender-chart').setAttribute('aria-label', 'Views by gender: ' + parts.map(function (p) {
            return p.name + ' ' + percent(p.value);
        }).join(', '));
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
            name.appendChild(el('span', 'region-code', r.region));
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
        ['main', 'dashboard', 'state', 'period', 'kpis', 'details', 'regions', 'retry']
            .forEach(function (id) { els[id] = $(id); });
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
            showState('error', 'The dashboard could not be loaded',
                      'The chart library (vendor/chart.umd.js) is missing: run the build (make).', '', null);
            return;
        }
        loadAccounts();
    }

    document.addEventListener('DOMContentLoaded', start);
}());
