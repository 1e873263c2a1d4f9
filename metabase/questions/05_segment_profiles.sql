-- Question: What characterises each segment of the current model, and how much of the revenue does
-- each bring? (Rank 1 is the Insiders; description says what sets each segment apart, action what
-- marketing should do; Lapsed, last, holds the customers without a purchase in the window, by rule.)
-- Visualization: table
SELECT
    rank,
    name AS segment,
    description,
    action,
    customers,
    share_of_customers,
    revenue,
    share_of_revenue,
    median_gross_revenue,
    median_recency_days,
    median_orders,
    median_products,
    median_frequency,
    median_returns,
    median_avg_ticket,
    mean_gross_revenue,
    mean_recency_days,
    mean_orders,
    model_version,
    profiled_at
FROM latest_segment_profiles
ORDER BY rank
