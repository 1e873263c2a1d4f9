-- Question: How has the number of Insiders changed over time?
-- Visualization: line (x: day, y: insiders)
-- The count at the end of each day with a change: the running sum of entries minus exits since
-- the first recorded change. Running sums without window functions: the days go into one sorted
-- array, arrayCumSum adds them up, ARRAY JOIN turns the array back into rows.
SELECT
    day,
    insiders
FROM
(
    SELECT
        arraySort(groupArray((day, net))) AS daily,
        arrayMap(d -> d.1, daily) AS days,
        arrayCumSum(arrayMap(d -> d.2, daily)) AS running
    FROM
    (
        SELECT
            day,
            sum(net) AS net
        FROM insiders_daily
        GROUP BY day
    )
)
ARRAY JOIN
    days AS day,
    running AS insiders
ORDER BY day
