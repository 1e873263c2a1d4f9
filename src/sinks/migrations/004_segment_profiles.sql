-- What each segment of a model version looks like over the customers placed in it: size, shares,
-- and the mean and median of each profiled feature. Money in mills, recency in days.
CREATE TABLE IF NOT EXISTS {database}.segment_profiles
(
    model_version UInt32,
    segment_id Int32,
    rank UInt8,                    -- 1: the Insiders
    name String,
    customers UInt32,
    share_of_customers Float64,
    revenue_mills Int64,
    share_of_revenue Float64,
    mean_gross_revenue_mills Float64,
    median_gross_revenue_mills Float64,
    mean_recency_days Float64,
    median_recency_days Float64,
    mean_frequency Float64,
    median_frequency Float64,
    mean_products Float64,
    median_products Float64,
    mean_returns Float64,
    median_returns Float64,
    mean_orders Float64,
    median_orders Float64,
    mean_avg_ticket_mills Float64,
    median_avg_ticket_mills Float64,
    profiled_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (model_version, segment_id);
