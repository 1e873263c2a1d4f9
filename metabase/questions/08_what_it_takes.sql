-- Question: What does it take to be an Insider? The typical Insider (median and mean of the
-- current model's Insiders segment) against the runner-up segment and the typical customer
-- (median over the customers placed in a segment now).
-- Visualization: table
-- One row per feature: the columns of one row are unpivoted with ARRAY JOIN over tuples
-- (feature, insiders median, insiders mean, runner-up median, population median).
-- Medians as in the profiles, the mean of the two middle values for an even count: medianExact
-- gives the upper one, and medianExact of the negated values the negated lower one.
SELECT
    f.1 AS feature,
    f.2 AS insiders_median,
    f.3 AS insiders_mean,
    f.4 AS runner_up_median,
    f.5 AS population_median,
    if(f.5 = 0, 0, f.2 / f.5) AS insiders_vs_population
FROM
(
    SELECT
        [
            ('gross revenue', ins_revenue, ins_revenue_mean, next_revenue, pop_revenue),
            ('recency, days', ins_recency, ins_recency_mean, next_recency, pop_recency),
            ('orders', ins_orders, ins_orders_mean, next_orders, pop_orders),
            ('products', ins_products, ins_products_mean, next_products, pop_products),
            ('frequency, orders per active day', ins_frequency, ins_frequency_mean, next_frequency, pop_frequency),
            ('returns, units', ins_returns, ins_returns_mean, next_returns, pop_returns),
            ('average ticket', ins_ticket, ins_ticket_mean, next_ticket, pop_ticket)
        ] AS features
    FROM
    (
        SELECT
            1 AS one,
            anyIf(median_gross_revenue, rank = 1) AS ins_revenue,
            anyIf(mean_gross_revenue, rank = 1) AS ins_revenue_mean,
            anyIf(median_gross_revenue, rank = 2) AS next_revenue,
            anyIf(median_recency_days, rank = 1) AS ins_recency,
            anyIf(mean_recency_days, rank = 1) AS ins_recency_mean,
            anyIf(median_recency_days, rank = 2) AS next_recency,
            anyIf(median_orders, rank = 1) AS ins_orders,
            anyIf(mean_orders, rank = 1) AS ins_orders_mean,
            anyIf(median_orders, rank = 2) AS next_orders,
            anyIf(median_products, rank = 1) AS ins_products,
            anyIf(mean_products, rank = 1) AS ins_products_mean,
            anyIf(median_products, rank = 2) AS next_products,
            anyIf(median_frequency, rank = 1) AS ins_frequency,
            anyIf(mean_frequency, rank = 1) AS ins_frequency_mean,
            anyIf(median_frequency, rank = 2) AS next_frequency,
            anyIf(median_returns, rank = 1) AS ins_returns,
            anyIf(mean_returns, rank = 1) AS ins_returns_mean,
            anyIf(median_returns, rank = 2) AS next_returns,
            anyIf(median_avg_ticket, rank = 1) AS ins_ticket,
            anyIf(mean_avg_ticket, rank = 1) AS ins_ticket_mean,
            anyIf(median_avg_ticket, rank = 2) AS next_ticket
        FROM latest_segment_profiles
    ) AS p
    INNER JOIN
    (
        SELECT
            1 AS one,
            (medianExact(gross_revenue) - medianExact(-gross_revenue)) / 2 AS pop_revenue,
            (medianExact(recency_days) - medianExact(-recency_days)) / 2 AS pop_recency,
            (medianExact(orders) - medianExact(-orders)) / 2 AS pop_orders,
            (medianExact(products) - medianExact(-products)) / 2 AS pop_products,
            (medianExact(frequency) - medianExact(-frequency)) / 2 AS pop_frequency,
            (medianExact(returns) - medianExact(-returns)) / 2 AS pop_returns,
            (medianExact(avg_ticket) - medianExact(-avg_ticket)) / 2 AS pop_ticket
        FROM current_customers
        WHERE segment_id != 0
    ) AS c USING (one)
)
ARRAY JOIN features AS f
