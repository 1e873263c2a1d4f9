-- Question: Where does one customer stand: segment, features, and how they got there?
-- Visualization: table (one row; Metabase's object detail shows it best)
-- Template tag {{customer_id}}: type Text, required. Metabase puts it in as a quoted string.
-- history: every membership change, oldest first, as "time reason: from -> to". segment_description
-- and action: the segment's, as the latest profiled model version describes it.
SELECT
    c.customer_id AS customer_id,
    c.segment_name AS segment,
    c.segment_description AS segment_description,
    c.action AS action,
    c.is_insider AS is_insider,
    c.gross_revenue AS gross_revenue,
    c.recency_days AS recency_days,
    c.orders AS orders,
    c.frequency AS frequency,
    c.products AS products,
    c.items AS items,
    c.returns AS returns,
    c.returned AS returned,
    c.avg_ticket AS avg_ticket,
    c.lifetime_orders AS lifetime_orders,
    c.lifetime_revenue AS lifetime_revenue,
    c.model_version AS model_version,
    c.updated_at AS updated_at,
    h.changes AS changes,
    h.history AS history
FROM
(
    SELECT
        *,
        description AS segment_description,
        action
    FROM current_customers
    ANY LEFT JOIN
    (
        SELECT
            segment_id,
            description,
            action
        FROM latest_segment_profiles
    ) AS p USING (segment_id)
    WHERE customer_id = {{customer_id}}
) AS c
LEFT JOIN
(
    SELECT
        customer_id,
        count() AS changes,
        arrayStringConcat(
            arrayMap(
                x -> concat(toString(x.1), ' ', x.2, ': ', x.3, ' -> ', x.4),
                arraySort(groupArray((at, reason, if(from_name = '', '(none)', from_name), if(to_name = '', '(none)', to_name))))
            ),
            '; '
        ) AS history
    FROM segment_changes_dedup
    WHERE customer_id = {{customer_id}}
    GROUP BY customer_id
) AS h USING (customer_id)
