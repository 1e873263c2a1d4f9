-- Customers erased on their request (GDPR, `insiders forget`) leave every view for good. The
-- erasure is a customer_segments row with deleted = 1 (the largest version at the time); any row
-- of theirs written after it — a placement already in flight when the erasure ran — must not bring
-- them back, so the views leave out every customer who has an erasure row at all, and their
-- membership changes with them.
-- Views are replaced by dropping and creating them again (18.16 has no CREATE OR REPLACE VIEW);
-- dependants go first. DROP TABLE IF EXISTS drops a view on every supported version.
CREATE VIEW IF NOT EXISTS {database}.erased_customers AS
SELECT DISTINCT customer_id
FROM {database}.customer_segments
WHERE deleted = 1;

DROP TABLE IF EXISTS {database}.current_insiders;

DROP TABLE IF EXISTS {database}.current_customers;

-- As in 005, and erased customers left out whatever was written after the erasure.
CREATE VIEW IF NOT EXISTS {database}.current_customers AS
SELECT
    customer_id,
    segment_id,
    segment_name,
    is_insider,
    model_version,
    recency_days,
    orders,
    frequency,
    gross_revenue_mills,
    avg_ticket_mills,
    items,
    products,
    returns,
    returned_mills,
    lifetime_orders,
    lifetime_revenue_mills,
    gross_revenue_mills / 1000 AS gross_revenue,
    avg_ticket_mills / 1000 AS avg_ticket,
    returned_mills / 1000 AS returned,
    lifetime_revenue_mills / 1000 AS lifetime_revenue,
    updated_at,
    version
FROM {database}.customer_segments FINAL
WHERE deleted = 0 AND customer_id NOT IN (SELECT customer_id FROM {database}.erased_customers);

CREATE VIEW IF NOT EXISTS {database}.current_insiders AS
SELECT *
FROM {database}.current_customers
WHERE is_insider = 1;

DROP TABLE IF EXISTS {database}.insiders_daily;

DROP TABLE IF EXISTS {database}.segment_changes_dedup;

-- As in 006, without the changes of erased customers.
CREATE VIEW IF NOT EXISTS {database}.segment_changes_dedup AS
SELECT
    change_id,
    customer_id,
    seq,
    from_segment,
    from_name,
    to_segment,
    to_name,
    insiders,
    reason,
    model_version,
    at
FROM {database}.segment_changes FINAL
WHERE customer_id NOT IN (SELECT customer_id FROM {database}.erased_customers);

CREATE VIEW IF NOT EXISTS {database}.insiders_daily AS
SELECT
    toDate(at) AS day,
    reason,
    countIf(insiders = 'entered') AS entries,
    countIf(insiders = 'left') AS exits,
    toInt64(entries) - toInt64(exits) AS net
FROM {database}.segment_changes_dedup
WHERE insiders != 'unchanged'
GROUP BY day, reason;
