WITH moved AS (DELETE FROM sales.leads WHERE id < 10 RETURNING *)
INSERT INTO archive.leads SELECT * FROM moved;
