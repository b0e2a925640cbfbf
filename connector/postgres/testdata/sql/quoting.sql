SELECT "we.ird""name".x, E'it\'s', $tag$ FROM customers $tag$ /* nested /* comment */ */
FROM "we.ird""name" WHERE x IS DISTINCT FROM 1;
