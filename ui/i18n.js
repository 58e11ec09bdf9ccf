/* The page's words in English and Korean, and which of the two a reader
 * gets: ?lang=en|ko first, else the first of the browser's languages
 * (navigator.languages) that is one of them, else the site's default
 * (<meta name="dashboard-lang"> in index.html), else English.
 * {name} in a string is filled in by dashboard.js. Nothing here comes from
 * the API: the API's Korean metric labels are not shown, the names below
 * are looked up by the metric's id. */
(function () {
    'use strict';

    var LANGS = ['en', 'ko'];

    // English dates are written day month year ("27 Nov 2026"), which reads
    // the same to every English reader; numbers group with commas in both.
    var LOCALES = { en: 'en-GB', ko: 'ko-KR' };

    var STRINGS = {
        en: {
            languageName: 'English',
            title: 'Channel dashboard',
            skip: 'Skip to the dashboard',
            settings: 'Dashboard settings',
            channel: 'Channel',
            period: 'Period',
            modeMonth: '12 months',
            modeDay: '30 days',
            staleTitle: 'These figures may be out of date.',
            staleText: 'YouTube could not be reached just now, so the dashboard shows the last figures it fetched.',
            loading: 'Loading the dashboard…',
            retry: 'Try again',
            kpiHeading: 'Key figures',
            noUploadsTitle: 'No uploads yet',
            noUploadsText: 'This channel has no uploaded videos on record, so there are no views, top videos or audience figures to show. They appear here after the first upload.',
            topTitle: 'Top videos',
            topNote: 'Most viewed in this period',
            topEmpty: 'No video had views in this period.',
            audienceTitle: 'Audience',
            audienceNote: 'Share of views in this period',
            age: 'Age',
            gender: 'Gender',
            regionsTitle: 'Top regions',
            regionsEmpty: 'No views by region yet.',
            newTab: '(opens in a new tab)',

            metrics: {
                'total-views': 'Views',
                'total-watch-time': 'Watch time',
                'avg-view-duration': 'Average view duration',
                'new-subscribers': 'New subscribers',
                likes: 'Likes',
                comments: 'Comments',
                shares: 'Shares',
                'uploaded-videos': 'Videos uploaded'
            },
            units: { hours: 'hours', minutes: 'min', count: '' },
            vsPrevious: 'vs previous',
            trendUp: 'Up {n} percent',
            trendDown: 'Down {n} percent',
            videosUp: 'Up {n} videos',
            videosDown: 'Down {n} videos',
            noChange: 'No change',

            dataThrough: 'Data through {date}',
            noDataYet: 'YouTube has no data for this period yet',
            periodMonth: '{first} – {last}, compared with the same months a year earlier',
            periodDay: '{first} – {last}, compared with the 30 days before',
            monthlyViews: 'Monthly views',
            dailyViews: 'Daily views',
            last12: 'Last 12 months',
            yearEarlier: 'A year earlier',
            last30: 'Last 30 days',
            before30: 'The 30 days before',
            noteMonth: 'Last 12 months against the same months a year earlier',
            noteDay: 'Last 30 days against the 30 days before',
            partialThrough: '{month} is not over: its views run through {date} and are compared with the same days of {previous} (dashed).',
            partialOpen: '{month} is not over: its views so far are compared with the same days of {previous} (dashed).',
            partialMark: '{month} (month to date)',
            chartSummary: '{title}: {current} views in total, against {previous} in the period before.',
            tooltipViews: '{name}: {n} views',
            monthColumn: 'Month',
            dateColumn: 'Date',
            ageColumn: 'Age group',
            genderColumn: 'Gender',
            shareColumn: 'Share of views',
            ageSummary: 'Views by age group: {list}',
            genderSummary: 'Views by gender: {list}',
            female: 'Female',
            male: 'Male',
            views: 'Views',
            engagement: 'Engagement',
            uploaded: 'Uploaded {date}',

            errorTitle: 'The dashboard could not be loaded',
            errorCode: 'Error code: ',
            states: {
                YOUTUBE_NOT_CONNECTED: ['No YouTube channel connected',
                    'Connect a YouTube channel to your account to see its views, top videos and audience here.'],
                YOUTUBE_TOKEN_EXPIRED: ['Reconnect your YouTube channel',
                    'YouTube no longer accepts this channel\'s authorization: it has expired or was revoked. Reconnect the channel to see its statistics again.']
            },
            errors: {
                YOUTUBE_ACCOUNT_NOT_FOUND: 'This channel is no longer connected to your account.',
                YOUTUBE_ACCOUNT_SELECTION_REQUIRED: 'Several channels are connected: choose one.',
                YOUTUBE_API_ERROR: 'YouTube answered with an error. Try again in a little while.',
                YOUTUBE_API_TIMEOUT: 'YouTube did not answer in time. Try again in a little while.',
                UPSTREAM_BUSY: 'Many requests are waiting on YouTube right now. Try again in a moment.',
                RATE_LIMITED: 'The dashboard was refreshed too often. Try again later.',
                DATABASE_UNAVAILABLE: 'The site\'s database is not available right now. Try again in a little while.',
                UNAUTHENTICATED: 'You are not logged in. Log in to the site and reload this page.',
                NETWORK: 'The server could not be reached. Check the connection and try again.',
                NO_CHARTS: 'The chart library is missing from the server: the page cannot draw its charts.',
                OTHER: 'The server answered with an error.'
            }
        },
        ko: {
            languageName: '한국어',
            title: '채널 대시보드',
            skip: '대시보드로 건너뛰기',
            settings: '대시보드 설정',
            channel: '채널',
            period: '기간',
            modeMonth: '12개월',
            modeDay: '30일',
            staleTitle: '최신 수치가 아닐 수 있습니다.',
            staleText: '지금은 YouTube에 연결할 수 없어 마지막으로 가져온 수치를 보여 드립니다.',
            loading: '대시보드를 불러오는 중…',
            retry: '다시 시도',
            kpiHeading: '주요 지표',
            noUploadsTitle: '아직 업로드한 영상이 없습니다',
            noUploadsText: '이 채널에는 기록된 업로드 영상이 없어 조회수, 인기 영상, 시청자 수치를 보여 드릴 수 없습니다. 첫 영상을 업로드하면 여기에 표시됩니다.',
            topTitle: '인기 영상',
            topNote: '이 기간에 가장 많이 본 영상',
            topEmpty: '이 기간에 조회된 영상이 없습니다.',
            audienceTitle: '시청자',
            audienceNote: '이 기간 조회수 비율',
            age: '연령',
            gender: '성별',
            regionsTitle: '주요 지역',
            regionsEmpty: '아직 지역별 조회수가 없습니다.',
            newTab: '(새 탭에서 열림)',

            metrics: {
                'total-views': '조회수',
                'total-watch-time': '시청 시간',
                'avg-view-duration': '평균 시청 시간',
                'new-subscribers': '신규 구독자',
                likes: '좋아요',
                comments: '댓글',
                shares: '공유',
                'uploaded-videos': '업로드 영상'
            },
            units: { hours: '시간', minutes: '분', count: '' },
            vsPrevious: '이전 기간 대비',
            trendUp: '{n}퍼센트 증가',
            trendDown: '{n}퍼센트 감소',
            videosUp: '영상 {n}개 증가',
            videosDown: '영상 {n}개 감소',
            noChange: '변화 없음',

            dataThrough: '{date}까지의 데이터',
            noDataYet: '이 기간의 YouTube 데이터가 아직 없습니다',
            periodMonth: '{first} – {last}, 1년 전 같은 달과 비교',
            periodDay: '{first} – {last}, 직전 30일과 비교',
            monthlyViews: '월별 조회수',
            dailyViews: '일별 조회수',
            last12: '최근 12개월',
            yearEarlier: '1년 전',
            last30: '최근 30일',
            before30: '직전 30일',
            noteMonth: '최근 12개월과 1년 전 같은 달 비교',
            noteDay: '최근 30일과 직전 30일 비교',
            partialThrough: '{month}은 아직 끝나지 않은 달로, {date}까지의 조회수를 {previous}의 같은 날짜와 비교합니다(점선).',
            partialOpen: '{month}은 아직 끝나지 않은 달로, 지금까지의 조회수를 {previous}의 같은 날짜와 비교합니다(점선).',
            partialMark: '{month} (진행 중)',
            chartSummary: '{title}: 총 조회수 {current}회, 이전 기간 {previous}회.',
            tooltipViews: '{name}: 조회수 {n}회',
            monthColumn: '월',
            dateColumn: '날짜',
            ageColumn: '연령대',
            genderColumn: '성별',
            shareColumn: '조회수 비율',
            ageSummary: '연령대별 조회수: {list}',
            genderSummary: '성별 조회수: {list}',
            female: '여성',
            male: '남성',
            views: '조회수',
            engagement: '참여율',
            uploaded: '{date} 업로드',

            errorTitle: '대시보드를 불러오지 못했습니다',
            errorCode: '오류 코드: ',
            states: {
                YOUTUBE_NOT_CONNECTED: ['연결된 YouTube 채널이 없습니다',
                    '계정에 YouTube 채널을 연결하면 조회수, 인기 영상, 시청자 정보를 여기에서 볼 수 있습니다.'],
                YOUTUBE_TOKEN_EXPIRED: ['YouTube 채널을 다시 연결하세요',
                    '이 채널의 YouTube 인증이 만료되었거나 취소되었습니다. 채널을 다시 연결하면 통계를 다시 볼 수 있습니다.']
            },
            errors: {
                YOUTUBE_ACCOUNT_NOT_FOUND: '이 채널은 더 이상 계정에 연결되어 있지 않습니다.',
                YOUTUBE_ACCOUNT_SELECTION_REQUIRED: '여러 채널이 연결되어 있습니다. 채널을 하나 고르세요.',
                YOUTUBE_API_ERROR: 'YouTube에서 오류를 반환했습니다. 잠시 후 다시 시도하세요.',
                YOUTUBE_API_TIMEOUT: 'YouTube가 제때 응답하지 않았습니다. 잠시 후 다시 시도하세요.',
                UPSTREAM_BUSY: '지금 YouTube를 기다리는 요청이 많습니다. 잠시 후 다시 시도하세요.',
                RATE_LIMITED: '대시보드를 너무 자주 새로 고쳤습니다. 나중에 다시 시도하세요.',
                DATABASE_UNAVAILABLE: '지금은 사이트의 데이터베이스를 사용할 수 없습니다. 잠시 후 다시 시도하세요.',
                UNAUTHENTICATED: '로그인되어 있지 않습니다. 사이트에 로그인한 뒤 이 페이지를 새로 고치세요.',
                NETWORK: '서버에 연결할 수 없습니다. 연결을 확인하고 다시 시도하세요.',
                NO_CHARTS: '서버에 차트 라이브러리가 없어 차트를 그릴 수 없습니다.',
                OTHER: '서버가 오류로 응답했습니다.'
            }
        }
    };

    function known(tag) {
        var primary = String(tag || '').toLowerCase().split(/[-_]/)[0];
        return LANGS.indexOf(primary) >= 0 ? primary : null;
    }

    // search: location.search; languages: navigator.languages;
    // siteDefault: the meta's content.
    function choose(search, languages, siteDefault) {
        var wanted = known(new URLSearchParams(search).get('lang'));
        if (wanted) { return wanted; }
        var list = languages || [];
        for (var i = 0; i < list.length; i++) {
            if (known(list[i])) { return known(list[i]); }
        }
        return known(siteDefault) || 'en';
    }

    window.DashboardI18n = { LANGS: LANGS, LOCALES: LOCALES, STRINGS: STRINGS, choose: choose };
}());
