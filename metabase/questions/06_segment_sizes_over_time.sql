-- Question: How have the segments' sizes changed from one model version to the next?
-- Visualization: line (x: profiled_at, y: customers, series: segment)
SELECT
    profiled_at,
    model_version,
    name AS segment,
    rank,
    customers,
    share_of_customers,
    share_of_revenue
FROM segment_profiles_dedup
ORDER BY model_version, rank
