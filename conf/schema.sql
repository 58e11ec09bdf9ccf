-- mod_dashboard: the site's tables the module reads (docs/operations.md), with the
-- indexes its queries need. The module never writes here except a
-- refreshed OAuth token (access_token, token_expires_at, refresh_token).

CREATE TABLE IF NOT EXISTS social_account (
    id                BIGSERIAL PRIMARY KEY,
    user_uuid         VARCHAR(36)  NOT NULL,
    platform          VARCHAR(20)  NOT NULL,            -- 'youtube', 'instagram', …
    platform_user_id  VARCHAR(100) NOT NULL,            -- YouTube channel id, stable across reconnects
    platform_username VARCHAR(255),
    platform_data     JSONB,                            -- {"channel_title": "…", …} or NULL
    access_token      TEXT         NOT NULL,
    refresh_token     TEXT,
    token_expires_at  TIMESTAMP,                        -- server local time, NULL = unknown
    is_active         BOOLEAN      NOT NULL DEFAULT TRUE,
    connected_at      TIMESTAMP                         -- NULL sorts oldest
);

CREATE TABLE IF NOT EXISTS dashboard (                  -- one row per uploaded video
    id                BIGSERIAL PRIMARY KEY,
    user_uuid         VARCHAR(36)  NOT NULL,
    platform          VARCHAR(20)  NOT NULL,
    platform_user_id  VARCHAR(100) NOT NULL,
    platform_video_id VARCHAR(64)  NOT NULL,
    title             VARCHAR(255),
    uploaded_at       TIMESTAMP    NOT NULL
);

-- Accounts and stats: a user's active channels of one platform.
CREATE INDEX IF NOT EXISTS social_account_user_platform_idx
    ON social_account (user_uuid, platform, platform_user_id)
    WHERE is_active;

-- Upload counts by date range and the most recent uploads of a channel.
CREATE INDEX IF NOT EXISTS dashboard_channel_uploaded_idx
    ON dashboard (user_uuid, platform_user_id, platform, uploaded_at DESC);
