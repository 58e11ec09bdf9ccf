-- Demo data for `make demo`, relative to today so the charts are always
-- filled. Users (HTTP Basic, password "demo"):
--   han  one channel          kim  no channel
--   min  two channels (pass platform_user_id to /dashboard/stats)
-- The tokens match demo/google_seed.json, the stand-in's seed.

INSERT INTO social_account (user_uuid, platform, platform_user_id,
    platform_username, platform_data, access_token, refresh_token,
    token_expires_at, is_active, connected_at) VALUES
 ('han', 'youtube', 'UCdemoHanKitchen000001', 'hankitchen',
  '{"channel_title": "Han''s kitchen"}', 'ya29.demo-han',
  '1//demo-han-refresh', LOCALTIMESTAMP + interval '30 days', true,
  LOCALTIMESTAMP - interval '400 days'),
 -- An older connection of the same channel: /dashboard/accounts shows it once.
 ('min', 'youtube', 'UCdemoMinTravel000002', 'mintravel-old',
  '{"channel_title": "Min travels (old)"}', 'ya29.revoked',
  NULL, NULL, true, LOCALTIMESTAMP - interval '700 days'),
 ('min', 'youtube', 'UCdemoMinTravel000002', 'mintravel',
  '{"channel_title": "Min travels"}', 'ya29.demo-min-travel',
  '1//demo-min-travel-refresh', LOCALTIMESTAMP + interval '30 days', true,
  LOCALTIMESTAMP - interval '200 days'),
 -- Expired: the first stats call refreshes the token and writes it back.
 ('min', 'youtube', 'UCdemoMinGames0000003', 'mingames',
  '{"channel_title": "Min plays"}', 'ya29.expired',
  '1//demo-min-games-refresh', LOCALTIMESTAMP - interval '1 hour', true,
  LOCALTIMESTAMP - interval '30 days'),
 ('kim', 'instagram', 'kim.insta', 'kim', NULL, 'ig-token', NULL, NULL,
  true, LOCALTIMESTAMP - interval '10 days');

-- Uploads: han every 9 days for two years, min's channels less often.
INSERT INTO dashboard (user_uuid, platform, platform_user_id,
    platform_video_id, title, uploaded_at)
SELECT 'han', 'youtube', 'UCdemoHanKitchen000001',
       'hanVid' || lpad(n::text, 5, '0'), 'Kitchen episode ' || n,
       LOCALTIMESTAMP - (n * interval '9 days') - interval '3 hours'
  FROM generate_series(1, 80) AS n;
INSERT INTO dashboard (user_uuid, platform, platform_user_id,
    platform_video_id, title, uploaded_at)
SELECT 'min', 'youtube', 'UCdemoMinTravel000002',
       'minTrv' || lpad(n::text, 5, '0'), 'Travel diary ' || n,
       LOCALTIMESTAMP - (n * interval '17 days')
  FROM generate_series(1, 40) AS n;
INSERT INTO dashboard (user_uuid, platform, platform_user_id,
    platform_video_id, title, uploaded_at)
SELECT 'min', 'youtube', 'UCdemoMinGames0000003',
       'minGam' || lpad(n::text, 5, '0'), 'Let''s play part ' || n,
       LOCALTIMESTAMP - (n * interval '5 days')
  FROM generate_series(1, 20) AS n;
