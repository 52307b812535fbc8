-- +goose Up
-- The CRM's screens (docs/crm.md): every change to a record with who made it, when, and each
-- field before and after; a sort key for names and titles; indexes for the lists' sortable
-- columns; and each user's choice of columns per list.

-- A change to a person, organisation, lead, deal or activity, written in the change's own
-- transaction. changes holds [{"field": …, "before": …, "after": …}] (JSON); action is "updated"
-- or "merged" (another record merged into this one).
CREATE TABLE crm_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record_type TEXT NOT NULL CHECK (record_type IN ('person', 'organization', 'lead', 'deal', 'activity')),
    record_id   BIGINT NOT NULL,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action      TEXT NOT NULL CHECK (action IN ('updated', 'merged')),
    changes     TEXT NOT NULL DEFAULT '[]',
    at          BIGINT NOT NULL
);
CREATE INDEX crm_changes_record ON crm_changes (record_type, record_id, id);

-- sort_name is the name or title (an activity's subject) lower-cased in Go, so a list sorts the
-- same on both engines; the crm.index job below fills it for records made before it existed.
ALTER TABLE persons ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE deals ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';

-- Keyset pages of the lists' sortable columns: (column, id).
CREATE INDEX persons_sort_name ON persons (sort_name, id);
CREATE INDEX persons_updated ON persons (updated_at, id);
CREATE INDEX organizations_sort_name ON organizations (sort_name, id);
CREATE INDEX organizations_updated ON organizations (updated_at, id);
CREATE INDEX leads_sort_name ON leads (sort_name, id);
CREATE INDEX leads_value ON leads (value, id);
CREATE INDEX leads_updated ON leads (updated_at, id);
CREATE INDEX leads_close ON leads (expected_close_date, id);
CREATE INDEX deals_sort_name ON deals (sort_name, id);
CREATE INDEX deals_value ON deals (value, id);
CREATE INDEX deals_updated ON deals (updated_at, id);
CREATE INDEX deals_close ON deals (expected_close_date, id);
CREATE INDEX activities_sort_name ON activities (sort_name, id);
CREATE INDEX activities_due ON activities (due_at, id);
CREATE INDEX activities_updated ON activities (updated_at, id);

-- Each user's columns (and sort) per list, following them to every device.
CREATE TABLE crm_list_settings (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    record_type TEXT NOT NULL CHECK (record_type IN ('person', 'organization', 'lead', 'deal', 'activity')),
    settings    TEXT NOT NULL DEFAULT '{}',
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, record_type)
);

INSERT INTO jobs (kind, payload, unique_key, state, max_attempts, run_at, created_at, updated_at)
SELECT 'crm.index', '{}', 'crm.index', 'available', 20, 0, CAST(unixepoch('subsec') * 1000 AS INTEGER),
    CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE (EXISTS (SELECT 1 FROM persons) OR EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM leads)
    OR EXISTS (SELECT 1 FROM deals) OR EXISTS (SELECT 1 FROM activities))
  AND NOT EXISTS (SELECT 1 FROM jobs WHERE kind = 'crm.index' AND unique_key = 'crm.index' AND state IN ('available', 'running'));

-- +goose Down
DROP TABLE crm_list_settings;
DROP INDEX activities_updated;
DROP INDEX activities_due;
DROP INDEX activities_sort_name;
DROP INDEX deals_close;
DROP INDEX deals_updated;
DROP INDEX deals_value;
DROP INDEX deals_sort_name;
DROP INDEX leads_close;
DROP INDEX leads_updated;
DROP INDEX leads_value;
DROP INDEX leads_sort_name;
DROP INDEX organizations_updated;
DROP INDEX organizations_sort_name;
DROP INDEX persons_updated;
DROP INDEX persons_sort_name;
ALTER TABLE activities DROP COLUMN sort_name;
ALTER TABLE deals DROP COLUMN sort_name;
ALTER TABLE leads DROP COLUMN sort_name;
ALTER TABLE organizations DROP COLUMN sort_name;
ALTER TABLE persons DROP COLUMN sort_name;
DROP TABLE crm_changes;
