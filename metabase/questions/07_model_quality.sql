-- Question: How good is each model version (silhouette; 1 is perfectly separated segments), with
-- how many segments and on how many customers was it fitted, and did its Insiders fall in the
-- policy's band (share of customers and of revenue, and why this k)?
-- Visualization: line (x: fitted_at, y: silhouette; k and trained_on on a second axis)
SELECT
    fitted_at,
    model_version,
    k,
    silhouette,
    trained_on,
    duration_ms,
    visitParamExtractString(scaler, 'kind') AS scaler,
    insiders_share_of_customers,
    insiders_share_of_revenue,
    insiders_share_min,
    insiders_share_max,
    insiders_in_band,
    k_reason
FROM model_runs_dedup
ORDER BY model_version
