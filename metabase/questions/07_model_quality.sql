-- Question: How good is each model version (silhouette; 1 is perfectly separated segments), with
-- how many segments and on how many customers was it fitted?
-- Visualization: line (x: fitted_at, y: silhouette; k and trained_on on a second axis)
SELECT
    fitted_at,
    model_version,
    k,
    silhouette,
    trained_on,
    duration_ms,
    visitParamExtractString(scaler, 'kind') AS scaler
FROM model_runs_dedup
ORDER BY model_version
