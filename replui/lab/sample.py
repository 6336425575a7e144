"""The lab's sample database ``shop``: 100 customers and 300 orders.

Deterministic (no randomness), so every lab starts with the same rows and a
``CHECKSUM TABLE`` on a fresh lab gives the same figures on every node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymysql.cursors import Cursor

CUSTOMERS = 100
ORDERS = 300

SCHEMA = [
    "CREATE DATABASE IF NOT EXISTS shop",
    """CREATE TABLE IF NOT EXISTS shop.customers (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        email VARCHAR(150) NOT NULL,
        city VARCHAR(60) NOT NULL,
        created_at DATETIME NOT NULL,
        UNIQUE KEY uq_email (email)
    ) ENGINE=InnoDB""",
    """CREATE TABLE IF NOT EXISTS shop.orders (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        customer_id INT UNSIGNED NOT NULL,
        amount_cents INT UNSIGNED NOT NULL,
        status ENUM('new','paid','shipped','cancelled') NOT NULL,
        created_at DATETIME NOT NULL,
        KEY idx_customer (customer_id)
    ) ENGINE=InnoDB""",
]

_FIRST = ["Ada", "Brian", "Chen", "Dilek", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Joana"]
_LAST = ["Lovelace", "Kernighan", "Wei", "Yilmaz", "Okafor", "Haddad", "Petrovic", "Sato", "Ivanov", "Silva"]
_CITIES = ["Lisbon", "Lagos", "Osaka", "Izmir", "Zagreb", "Porto", "Cairo", "Kyiv"]
_STATUSES = ["new", "paid", "shipped", "cancelled"]


def customer_rows() -> list[tuple[int, str, str, str, str]]:
    """``(id, name, email, city, created_at)`` for every customer."""
    rows = []
    for i in range(1, CUSTOMERS + 1):
        name = f"{_FIRST[i % 10]} {_LAST[(i // 10) % 10]}"
        rows.append(
            (
                i,
                name,
                f"customer{i}@example.com",
                _CITIES[i % len(_CITIES)],
                f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00",
            )
        )
    return rows


def order_rows() -> list[tuple[int, int, int, str, str]]:
    """``(id, customer_id, amount_cents, status, created_at)`` for every order."""
    return [
        (
            i,
            1 + (i * 7) % CUSTOMERS,
            500 + (i * 1237) % 20000,
            _STATUSES[i % 4],
            f"2024-02-{1 + i % 28:02d} {i % 24:02d}:{(i * 3) % 60:02d}:00",
        )
        for i in range(1, ORDERS + 1)
    ]


def load(cursor: Cursor) -> None:
    """Create ``shop`` and insert the rows through a PyMySQL ``cursor``
    (values are escaped by PyMySQL). Explicit ids: identical on every node."""
    for stmt in SCHEMA:
        cursor.execute(stmt)
    cursor.executemany(
        "INSERT INTO shop.customers (id, name, email, city, created_at) VALUES (%s, %s, %s, %s, %s)",
        customer_rows(),
    )
    cursor.executemany(
        "INSERT INTO shop.orders (id, customer_id, amount_cents, status, created_at) "
        "VALUES (%s, %s, %s, %s, %s)",
        order_rows(),
    )
