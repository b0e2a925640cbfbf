SELECT o.id, c.email
FROM orders o
JOIN customers c ON c.id = o.customer_id
WHERE o.total > $1 -- big ones
ORDER BY o.id
LIMIT 10;
