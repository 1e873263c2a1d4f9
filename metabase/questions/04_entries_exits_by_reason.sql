-- Question: How many customers entered and left the Insiders each day, and why (a purchase or
-- return: event; a new model version: refit; time passing: time)?
-- Visualization: bar (x: day, y: customers, series: movement, stacked; exits are negative)
SELECT
    day,
    concat(direction, ' (', reason, ')') AS movement,
    customers
FROM
(
    SELECT
        day,
        reason,
        entries,
        exits
    FROM insiders_daily
)
ARRAY JOIN
    ['entered', 'left'] AS direction,
    [toInt64(entries), -toInt64(exits)] AS customers
WHERE customers != 0
ORDER BY day, movement
