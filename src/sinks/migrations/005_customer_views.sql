-- Customers as they are now: the newest row of each customer (FINAL keeps the largest version),
-- erased customers left out, money also in currency units. Dashboards read these views and
-- never need FINAL or argMax themselves.
-- The filter on `deleted` sits in WHERE, which is applied after FINAL has picked the newest row:
-- an older row of an erased customer never shows. (A PREWHERE would be applied before it.)
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
WHERE deleted = 0;

-- The Insiders now.
CREATE VIEW IF NOT EXISTS {database}.current_insiders AS
SELECT *
FROM {database}.current_customers
WHERE is_insider = 1;
