-- Model runs and segment profiles with retried inserts collapsed, and the latest of each.

CREATE VIEW IF NOT EXISTS {database}.model_runs_dedup AS
SELECT
    model_version,
    k,
    silhouette,
    inertia,
    sizes,
    segment_ids,
    centres,
    feature_set,
    scaler,
    trained_on,
    duration_ms,
    seed,
    insiders_id,
    silhouette_by_k,
    fitted_at
FROM {database}.model_runs FINAL;

-- The highest model version; no row before the first fit.
CREATE VIEW IF NOT EXISTS {database}.latest_model_run AS
SELECT *
FROM {database}.model_runs_dedup
WHERE model_version = (SELECT max(model_version) FROM {database}.model_runs);

-- Profiles with money also in currency units.
CREATE VIEW IF NOT EXISTS {database}.segment_profiles_dedup AS
SELECT
    model_version,
    segment_id,
    rank,
    name,
    customers,
    share_of_customers,
    revenue_mills,
    share_of_revenue,
    mean_gross_revenue_mills,
    median_gross_revenue_mills,
    mean_recency_days,
    median_recency_days,
    mean_frequency,
    median_frequency,
    mean_products,
    median_products,
    mean_returns,
    median_returns,
    mean_orders,
    median_orders,
    mean_avg_ticket_mills,
    median_avg_ticket_mills,
    revenue_mills / 1000 AS revenue,
    mean_gross_revenue_mills / 1000 AS mean_gross_revenue,
    median_gross_revenue_mills / 1000 AS median_gross_revenue,
    mean_avg_ticket_mills / 1000 AS mean_avg_ticket,
    median_avg_ticket_mills / 1000 AS median_avg_ticket,
    profiled_at
FROM {database}.segment_profiles FINAL;

-- Profiles of the latest model version that has profiles. The writer stores a run before its
-- profiles: taking the latest profiled version keeps the dashboard from going blank in between.
CREATE VIEW IF NOT EXISTS {database}.latest_segment_profiles AS
SELECT *
FROM {database}.segment_profiles_dedup
WHERE model_version = (SELECT max(model_version) FROM {database}.segment_profiles);
