-- db_query's database: schema and deterministic seed data (no random()):
-- 2,000 customers, 300 products, 20,000 orders, generated with recursive
-- CTEs from fixed arithmetic.  mk/suite.mk builds it with the sqlite3 CLI:
--     sqlite3 data.db < lambdas/db_query/schema.sql
-- and copies data.db into the task root, where the bootstrap opens it
-- read-only during init.
PRAGMA journal_mode = OFF;
PRAGMA page_size = 4096;
BEGIN;

CREATE TABLE customers (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    email   TEXT NOT NULL,
    country TEXT NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents > 0)
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    qty         INTEGER NOT NULL CHECK (qty > 0),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'delivered')),
    ordered_at  TEXT NOT NULL
);

CREATE TABLE first_names (i INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO first_names VALUES (0,'Ada'),(1,'Alan'),(2,'Barbara'),(3,'Claude'),
  (4,'Dennis'),(5,'Edsger'),(6,'Frances'),(7,'Grace'),(8,'Hedy'),(9,'John'),
  (10,'Katherine'),(11,'Linus');
CREATE TABLE last_names (i INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO last_names VALUES (0,'Allen'),(1,'Backus'),(2,'Cerf'),(3,'Dijkstra'),
  (4,'Engelbart'),(5,'Floyd'),(6,'Hamilton'),(7,'Hopper'),(8,'Johnson'),
  (9,'Knuth'),(10,'Lamarr'),(11,'Liskov'),(12,'Ritchie'),(13,'Shannon'),(14,'Turing');
CREATE TABLE countries (i INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO countries VALUES (0,'FR'),(1,'DE'),(2,'US'),(3,'GB'),(4,'ES'),(5,'IT'),(6,'NL'),(7,'JP');
CREATE TABLE categories (i INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO categories VALUES (0,'books'),(1,'garden'),(2,'kitchen'),(3,'music'),(4,'sports'),(5,'toys');
CREATE TABLE statuses (i INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO statuses VALUES (0,'pending'),(1,'paid'),(2,'shipped'),(3,'delivered');

WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < 2000)
INSERT INTO customers (id, name, email, country)
SELECT n.id, f.v || ' ' || l.v, lower(f.v) || '.' || lower(l.v) || n.id || '@example.com', c.v
FROM n
JOIN first_names f ON f.i = (n.id * 7) % 12
JOIN last_names l ON l.i = (n.id * 11) % 15
JOIN countries c ON c.i = (n.id * 5) % 8;

WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < 300)
INSERT INTO products (id, sku, name, category, price_cents)
SELECT n.id, printf('SKU-%04d', n.id), c.v || ' item ' || n.id, c.v, (n.id * 7919) % 20000 + 199
FROM n JOIN categories c ON c.i = n.id % 6;

WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < 20000)
INSERT INTO orders (id, customer_id, product_id, qty, status, ordered_at)
SELECT n.id, (n.id * 7841) % 2000 + 1, (n.id * 613 + n.id / 2000 * 37) % 300 + 1,
       (n.id * 3 + n.id / 2000) % 5 + 1, s.v,
       strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01', '+' || ((n.id * 37) % 365) || ' days',
                '+' || ((n.id * 4099) % 86400) || ' seconds')
FROM n JOIN statuses s ON s.i = (n.id * 31 + n.id / 7) % 4;

DROP TABLE first_names;
DROP TABLE last_names;
DROP TABLE countries;
DROP TABLE categories;
DROP TABLE statuses;

CREATE INDEX orders_by_customer ON orders (customer_id, ordered_at);

COMMIT;
VACUUM;
ANALYZE;
