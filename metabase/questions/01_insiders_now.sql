-- Question: How many Insiders are there now, and what share of the customers and of the revenue are they?
-- Visualization: scalar (one Number card per column: insiders, share_of_customers, share_of_revenue)
-- Customers: those the model places in a segment (everyone who has bought). Revenue: gross
-- revenue in the rolling window, in the shop currency.
SELECT
    countIf(is_insider = 1) AS insiders,
    countIf(is_insider = 1) / count() AS share_of_customers,
    sumIf(gross_revenue, is_insider = 1) / sum(gross_revenue) AS share_of_revenue,
    count() AS customers,
    sum(gross_revenue) AS revenue
FROM current_customers
WHERE segment_id != 0
