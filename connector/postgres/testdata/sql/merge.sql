MERGE INTO orders o USING sales.leads l ON o.id = l.id
WHEN MATCHED THEN UPDATE SET total = 1
WHEN NOT MATCHED THEN INSERT (id) VALUES (l.id);
