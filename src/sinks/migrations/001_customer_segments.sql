-- The current segment and features of each customer. One row per write; the row with the largest
-- `version` (the writer's monotonic ms clock) is the customer's current state, so a late or
-- retried write never overwrites a newer one. Read through the current_customers view.
-- Money in mills (1/1000 of the shop currency). DateTime('UTC'): the writer sends UTC wall-clock
-- text, which must not be read in the server's own time zone.
CREATE TABLE IF NOT EXISTS {database}.customer_segments
(
    customer_id String,
    segment_id Int32,              -- 0: no segment (the customer never bought)
    segment_name String,
    is_insider UInt8,
    model_version UInt32,
    recency_days Int32,            -- -1: never bought
    orders UInt32,
    frequency Float64,
    gross_revenue_mills Int64,
    avg_ticket_mills Float64,
    items UInt32,
    products UInt32,
    returns UInt32,
    returned_mills Int64,
    lifetime_orders UInt32,
    lifetime_revenue_mills Int64,
    updated_at DateTime('UTC'),
    deleted UInt8,                 -- 1: erased on the customer's request
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY customer_id;
