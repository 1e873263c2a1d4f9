-- Membership changes with retried inserts collapsed: one row per change_id. The table's key
-- (customer_id, seq) is what change_id encodes, so FINAL over it is one row per change_id.
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
FROM {database}.segment_changes FINAL;

-- Per UTC day and reason: customers who entered and who left the Insiders, and the net change.
-- A day without such a change has no row.
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
