-- Segment names that say what sets a segment apart and what to do with it, the rule-based Lapsed
-- group (segment id -1: customers without a purchase in the window, never clustered), and the
-- Insiders policy each model run chose k by.
-- 18.16 has no ADD COLUMN IF NOT EXISTS: migrate takes an ADD COLUMN refused because the column
-- exists (code 44) as done, so each statement adds one column and a rerun completes the rest.
ALTER TABLE {database}.segment_profiles ADD COLUMN kind String DEFAULT '';

ALTER TABLE {database}.segment_profiles ADD COLUMN description String DEFAULT '';

ALTER TABLE {database}.segment_profiles ADD COLUMN action String DEFAULT '';

ALTER TABLE {database}.segment_profiles ADD COLUMN rule_based UInt8 DEFAULT 0;

-- insiders_share_min..max: the target band of the Insiders' share of segmented customers (0..1);
-- insiders_rule: the rule that picks them; the shares and in_band: where this run's Insiders stand;
-- k_reason: why this k won, in words.
ALTER TABLE {database}.model_runs ADD COLUMN insiders_share_min Float64 DEFAULT 0;

ALTER TABLE {database}.model_runs ADD COLUMN insiders_share_max Float64 DEFAULT 0;

ALTER TABLE {database}.model_runs ADD COLUMN insiders_rule String DEFAULT '';

ALTER TABLE {database}.model_runs ADD COLUMN insiders_share_of_customers Float64 DEFAULT 0;

ALTER TABLE {database}.model_runs ADD COLUMN insiders_share_of_revenue Float64 DEFAULT 0;

ALTER TABLE {database}.model_runs ADD COLUMN insiders_in_band UInt8 DEFAULT 0;

ALTER TABLE {database}.model_runs ADD COLUMN k_reason String DEFAULT '';

-- The views of 007 again, with every column of their tables (the new ones too); dependants go
-- first.
DROP TABLE IF EXISTS {database}.latest_model_run;

DROP TABLE IF EXISTS {database}.model_runs_dedup;

DROP TABLE IF EXISTS {database}.latest_segment_profiles;

DROP TABLE IF EXISTS {database}.segment_profiles_dedup;

CREATE VIEW IF NOT EXISTS {database}.model_runs_dedup AS
SELECT *
FROM {database}.model_runs FINAL;

CREATE VIEW IF NOT EXISTS {database}.latest_model_run AS
SELECT *
FROM {database}.model_runs_dedup
WHERE model_version = (SELECT max(model_version) FROM {database}.model_runs);

-- Profiles with money also in currency units.
CREATE VIEW IF NOT EXISTS {database}.segment_profiles_dedup AS
SELECT
    *,
    revenue_mills / 1000 AS revenue,
    mean_gross_revenue_mills / 1000 AS mean_gross_revenue,
    median_gross_revenue_mills / 1000 AS median_gross_revenue,
    mean_avg_ticket_mills / 1000 AS mean_avg_ticket,
    median_avg_ticket_mills / 1000 AS median_avg_ticket
FROM {database}.segment_profiles FINAL;

CREATE VIEW IF NOT EXISTS {database}.latest_segment_profiles AS
SELECT *
FROM {database}.segment_profiles_dedup
WHERE model_version = (SELECT max(model_version) FROM {database}.segment_profiles);
