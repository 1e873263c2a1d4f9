-- One row per model version: how it was fitted and how good it is. sizes[i] is the fit-time size
-- of segment segment_ids[i]. centres: JSON, each segment's centre in original units (mills,
-- days); scaler: JSON of the fitted scaler; silhouette_by_k: JSON {k: silhouette} of the k tried.
CREATE TABLE IF NOT EXISTS {database}.model_runs
(
    model_version UInt32,
    k UInt8,
    silhouette Float64,
    inertia Float64,
    sizes Array(UInt32),
    segment_ids Array(Int32),
    centres String,
    feature_set Array(String),
    scaler String,
    trained_on UInt32,
    duration_ms UInt32,
    seed UInt32,
    insiders_id Int32,
    silhouette_by_k String,
    fitted_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY model_version;
