-- Question: Who is an Insider now (who is eligible for the programme), with what they bought?
-- Visualization: table
SELECT
    customer_id,
    gross_revenue,
    orders,
    recency_days,
    frequency,
    products,
    items,
    returns,
    avg_ticket,
    lifetime_revenue,
    updated_at
FROM current_insiders
ORDER BY gross_revenue DESC, customer_id
LIMIT 5000
