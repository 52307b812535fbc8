-- +goose Up
-- The CRM behind the leads (docs/crm.md): persons, organisations, deals in pipelines of ordered
-- stages, activities, notes on any record, admin-defined custom fields, and conversations linked
-- to records with the note that follows them for 24 hours.
--
-- This is the EXPAND step of an expand-then-contract change to leads: nodes of the previous
-- version keep running during a rolling upgrade and still write leads.status (open/won/lost) and
-- leads.source (agent/bot/api), so both stay, and new nodes write them too. The new lead_status
-- and lead_source say what a lead is now; NULL in them marks a row an old node wrote, read through
-- the old columns. Won and lost leads become deals of that status below.
--
-- The CONTRACT step (a later migration, once no node of the previous version runs) will:
--   1. turn leads still marked won or lost by an old node (lead_status NULL, or open/qualified
--      while status is won/lost) into deals the same way as below;
--   2. fill lead_status and lead_source where NULL;
--   3. drop leads.status and leads.source.

-- Custom fields, defined by admins per record type; values live in each record's fields column
-- (JSON, checked in Go against these definitions).
CREATE TABLE crm_fields (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record_type TEXT NOT NULL CHECK (record_type IN ('person', 'organization', 'lead', 'deal', 'activity')),
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'option', 'options', 'money')),
    options     TEXT NOT NULL DEFAULT '[]',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (record_type, key)
);

-- Records outlive what they point at: deleting a user, contact, conversation or record they link
-- to only clears the link (SET NULL). conversation_id is the conversation a record was made from
-- (its Created items); source says how it came to be.
CREATE TABLE organizations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL,
    address            TEXT NOT NULL DEFAULT '',
    owner_user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    labels             TEXT NOT NULL DEFAULT '[]',
    fields             TEXT NOT NULL DEFAULT '{}',
    conversation_id    BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    source             TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX organizations_owner ON organizations (owner_user_id, id);
CREATE INDEX organizations_conversation ON organizations (conversation_id) WHERE conversation_id IS NOT NULL;

-- A person is someone the business deals with. A chat contact becomes one only when an agent, a bot
-- action or linking makes it one: contact_id is that contact, one person per contact.
CREATE TABLE persons (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL,
    emails             TEXT NOT NULL DEFAULT '[]', -- [{"value": …, "label": …}], normalised in Go
    phones             TEXT NOT NULL DEFAULT '[]',
    organization_id    BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    contact_id         BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    owner_user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    labels             TEXT NOT NULL DEFAULT '[]',
    fields             TEXT NOT NULL DEFAULT '{}',
    conversation_id    BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    source             TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX persons_contact ON persons (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX persons_organization ON persons (organization_id, id);
CREATE INDEX persons_owner ON persons (owner_user_id, id);
CREATE INDEX persons_conversation ON persons (conversation_id) WHERE conversation_id IS NOT NULL;

-- Pipelines of ordered stages; exactly one is the default (checked in Go; made here).
CREATE TABLE pipelines (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE pipeline_stages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    probability INTEGER NOT NULL DEFAULT 100 CHECK (probability BETWEEN 0 AND 100),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

CREATE TABLE deals (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    title               TEXT NOT NULL,
    value               BIGINT NOT NULL DEFAULT 0 CHECK (value >= 0), -- minor units (cents)
    currency            TEXT NOT NULL,
    expected_close_date TEXT NOT NULL DEFAULT '',                    -- YYYY-MM-DD or empty
    pipeline_id         BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id            BIGINT NOT NULL REFERENCES pipeline_stages (id),
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    lost_reason         TEXT NOT NULL DEFAULT '',
    probability         INTEGER CHECK (probability BETWEEN 0 AND 100), -- NULL: the stage's
    person_id           BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    organization_id     BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    contact_id          BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    conversation_id     BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    lead_id             BIGINT REFERENCES leads (id) ON DELETE SET NULL, -- the lead it was converted from
    owner_user_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_by_user_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    source              TEXT NOT NULL,
    labels              TEXT NOT NULL DEFAULT '[]',
    fields              TEXT NOT NULL DEFAULT '{}',
    closed_at           BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX deals_stage ON deals (pipeline_id, stage_id, id);
CREATE INDEX deals_person ON deals (person_id, id);
CREATE INDEX deals_organization ON deals (organization_id, id);
CREATE INDEX deals_contact ON deals (contact_id, id);
CREATE INDEX deals_conversation ON deals (conversation_id, id);
CREATE INDEX deals_owner ON deals (owner_user_id, id);
CREATE INDEX deals_lead ON deals (lead_id);
CREATE INDEX deals_stage_only ON deals (stage_id);
CREATE INDEX deals_created_by ON deals (created_by_user_id);

-- Leads, expanded (see the top).
ALTER TABLE leads ADD COLUMN lead_status TEXT CHECK (lead_status IN ('open', 'qualified', 'disqualified', 'converted'));
ALTER TABLE leads ADD COLUMN lead_source TEXT CHECK (lead_source IN ('chat', 'bot', 'email', 'messenger', 'whatsapp', 'manual', 'api'));
ALTER TABLE leads ADD COLUMN expected_close_date TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN person_id BIGINT REFERENCES persons (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN deal_id BIGINT REFERENCES deals (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE leads ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
CREATE INDEX leads_person ON leads (person_id, id);
CREATE INDEX leads_organization ON leads (organization_id, id);
CREATE INDEX leads_deal ON leads (deal_id);

-- Activities: due on a date (and maybe a time) in their owner's time zone; due_at is that moment in
-- UTC, for ordering and for what is overdue.
CREATE TABLE activities (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    type               TEXT NOT NULL CHECK (type IN ('call', 'meeting', 'task', 'email', 'deadline')),
    subject            TEXT NOT NULL,
    note               TEXT NOT NULL DEFAULT '',
    due_date           TEXT NOT NULL,              -- YYYY-MM-DD in time_zone
    due_time           TEXT NOT NULL DEFAULT '',   -- HH:MM in time_zone, empty: all day
    time_zone          TEXT NOT NULL,
    due_at             BIGINT NOT NULL,
    duration_minutes   INTEGER NOT NULL DEFAULT 0,
    done               INTEGER NOT NULL DEFAULT 0,
    done_at            BIGINT,
    person_id          BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    organization_id    BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    lead_id            BIGINT REFERENCES leads (id) ON DELETE SET NULL,
    deal_id            BIGINT REFERENCES deals (id) ON DELETE SET NULL,
    owner_user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    labels             TEXT NOT NULL DEFAULT '[]',
    fields             TEXT NOT NULL DEFAULT '{}',
    conversation_id    BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    source             TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX activities_owner ON activities (owner_user_id, due_at);
CREATE INDEX activities_person ON activities (person_id, id);
CREATE INDEX activities_organization ON activities (organization_id, id);
CREATE INDEX activities_lead ON activities (lead_id, id);
CREATE INDEX activities_deal ON activities (deal_id, id);
CREATE INDEX activities_conversation ON activities (conversation_id) WHERE conversation_id IS NOT NULL;

-- Notes in rich text on any record. A note made from a conversation holds an excerpt of it (JSON);
-- only those who may see that conversation read it in full.
CREATE TABLE notes (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    record_type        TEXT NOT NULL CHECK (record_type IN ('person', 'organization', 'lead', 'deal', 'activity')),
    record_id          BIGINT NOT NULL,
    body               TEXT NOT NULL DEFAULT '',
    conversation_id    BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    excerpt            TEXT,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    edited_by_user_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    edited_at          BIGINT, -- a person changed it (a conversation's next message starts a new note)
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX notes_record ON notes (record_type, record_id, id);
CREATE INDEX notes_conversation ON notes (conversation_id) WHERE conversation_id IS NOT NULL;

-- A conversation linked to a record, and the note its messages go to: the note made when linking,
-- then a new one when the 24 hours since the note began are over or the note was edited or deleted.
-- last_seq is the last message of the conversation handled.
CREATE TABLE conversation_links (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id    BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    record_type        TEXT NOT NULL CHECK (record_type IN ('person', 'lead', 'deal')),
    record_id          BIGINT NOT NULL,
    note_id            BIGINT REFERENCES notes (id) ON DELETE SET NULL,
    window_start       BIGINT NOT NULL,
    last_seq           BIGINT NOT NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at         BIGINT NOT NULL,
    UNIQUE (conversation_id, record_type, record_id)
);
CREATE INDEX conversation_links_record ON conversation_links (record_type, record_id);
CREATE INDEX conversation_links_note ON conversation_links (note_id);

-- What the details panel captured for a lead or deal not yet made (value, close date,
-- organisation, a note), shared by everyone who sees the conversation.
CREATE TABLE crm_drafts (
    conversation_id    BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    data               TEXT NOT NULL,
    updated_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at         BIGINT NOT NULL
);

-- Prefix search (?q=): the words of names and titles, emails and phone digits of every record,
-- lower-cased in Go. A prefix is a range of terms, compared byte by byte.
CREATE TABLE crm_terms (
    record_type TEXT NOT NULL,
    term        TEXT NOT NULL,
    record_id   BIGINT NOT NULL,
    PRIMARY KEY (record_type, term, record_id)
);
-- A record's terms, to replace them and to check one record's terms in a search (a probe).
CREATE INDEX crm_terms_record ON crm_terms (record_type, record_id, term);

-- Round-robin owners for the bot's records: the team member chosen last.
CREATE TABLE crm_rotation (
    team_id      BIGINT PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    last_user_id BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- The default pipeline.
INSERT INTO pipelines (name, position, is_default, created_at, updated_at)
VALUES ('Sales pipeline', 0, 1, CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER));
INSERT INTO pipeline_stages (pipeline_id, name, position, probability, created_at, updated_at)
SELECT p.id, s.name, s.position, s.probability, p.created_at, p.created_at
FROM pipelines p, (SELECT 'Qualified' AS name, 0 AS position, 10 AS probability
    UNION ALL SELECT 'Contact made', 1, 20
    UNION ALL SELECT 'Demo scheduled', 2, 40
    UNION ALL SELECT 'Proposal made', 3, 60
    UNION ALL SELECT 'Negotiations started', 4, 80) s
WHERE p.is_default = 1;

-- Today's won and lost leads become deals of that status in the default pipeline (won in its last
-- stage, lost in its first); the lead is then converted and points at its deal.
INSERT INTO deals (title, value, currency, expected_close_date, pipeline_id, stage_id, status, contact_id, conversation_id,
    lead_id, owner_user_id, created_by_user_id, source, closed_at, created_at, updated_at)
SELECT l.title, l.value, l.currency, '', p.id,
    CASE l.status
        WHEN 'won' THEN (SELECT s.id FROM pipeline_stages s WHERE s.pipeline_id = p.id ORDER BY s.position DESC LIMIT 1)
        ELSE (SELECT s.id FROM pipeline_stages s WHERE s.pipeline_id = p.id ORDER BY s.position LIMIT 1)
    END,
    l.status, l.contact_id, l.conversation_id, l.id, l.owner_user_id, l.created_by_user_id,
    CASE l.source
        WHEN 'bot' THEN 'bot'
        WHEN 'api' THEN 'api'
        ELSE COALESCE((SELECT CASE c.channel WHEN 'email' THEN 'email' WHEN 'messenger' THEN 'messenger'
            WHEN 'whatsapp' THEN 'whatsapp' ELSE 'chat' END FROM conversations c WHERE c.id = l.conversation_id), 'manual')
    END,
    l.updated_at, l.created_at, l.updated_at
FROM leads l JOIN pipelines p ON p.is_default = 1
WHERE l.status IN ('won', 'lost')
ORDER BY l.id;

UPDATE leads SET
    deal_id = (SELECT d.id FROM deals d WHERE d.lead_id = leads.id),
    lead_status = CASE WHEN status IN ('won', 'lost') THEN 'converted' ELSE 'open' END,
    lead_source = CASE source
        WHEN 'bot' THEN 'bot'
        WHEN 'api' THEN 'api'
        ELSE COALESCE((SELECT CASE c.channel WHEN 'email' THEN 'email' WHEN 'messenger' THEN 'messenger'
            WHEN 'whatsapp' THEN 'whatsapp' ELSE 'chat' END FROM conversations c WHERE c.id = leads.conversation_id), 'manual')
    END;

-- The search terms of what was carried over are made in Go, by a job (crm.index) that runs once
-- the server starts (when there is anything to carry over).
INSERT INTO jobs (kind, payload, unique_key, state, max_attempts, run_at, created_at, updated_at)
SELECT 'crm.index', '{}', 'crm.index', 'available', 20, 0, CAST(unixepoch('subsec') * 1000 AS INTEGER),
    CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE EXISTS (SELECT 1 FROM leads);

-- +goose Down
-- SQLite drops no column a foreign key uses, so leads is rebuilt as it was.
DELETE FROM jobs WHERE kind = 'crm.index';
DROP TABLE crm_rotation;
DROP TABLE crm_terms;
DROP TABLE crm_drafts;
DROP TABLE conversation_links;
DROP TABLE notes;
DROP TABLE activities;
UPDATE leads SET deal_id = NULL, person_id = NULL, organization_id = NULL;
DROP TABLE deals;
DROP TABLE pipeline_stages;
DROP TABLE pipelines;
CREATE TABLE leads_old (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT NOT NULL,
    value              BIGINT NOT NULL DEFAULT 0 CHECK (value >= 0),
    currency           TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    contact_id         BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    conversation_id    BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    owner_user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    source             TEXT NOT NULL CHECK (source IN ('agent', 'bot', 'api')),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
INSERT INTO leads_old SELECT id, title, value, currency, status, contact_id, conversation_id, owner_user_id, created_by_user_id,
    source, created_at, updated_at FROM leads;
DROP TABLE leads;
ALTER TABLE leads_old RENAME TO leads;
CREATE INDEX leads_contact ON leads (contact_id, id);
CREATE INDEX leads_conversation ON leads (conversation_id, id);
CREATE INDEX leads_owner ON leads (owner_user_id, id);
CREATE INDEX leads_created_by ON leads (created_by_user_id);
DROP TABLE persons;
DROP TABLE organizations;
DROP TABLE crm_fields;
