-- Membership changes, append-only. A change is identified by (customer_id, seq), which is what
-- change_id `<customerId>:<seq>` encodes, so an insert retried after a timeout collapses into one
-- row when merged, and segment_changes_dedup shows one row before that.
-- `insiders` is an Enum8: both 18.16 and current servers accept and return its names as text.
CREATE TABLE IF NOT EXISTS {database}.segment_changes
(
    change_id String,
    customer_id String,
    seq UInt32,
    from_segment Int32,            -- 0: the customer had no segment
    from_name String,
    to_segment Int32,              -- 0: the customer has no segment any more
    to_name String,
    insiders Enum8('unchanged' = 0, 'entered' = 1, 'left' = 2),
    reason String,                 -- 'event' | 'refit' | 'time'
    model_version UInt32,
    at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (customer_id, seq);
