import ipaddress

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def test_the_test_server_answers_queries_and_listens_on_127_0_0_1_only(
    fresh_postgres_url: str,
) -> None:
    with psycopg.connect(fresh_postgres_url) as conn:
        row = conn.execute(
            "select 1, current_database(), inet_server_addr(), current_setting('listen_addresses')"
        ).fetchone()

    assert row is not None
    one, database, server_addr, listen_addresses = row
    assert one == 1
    assert database == fresh_postgres_url.rsplit("/", 1)[1]
    assert server_addr == ipaddress.ip_address("127.0.0.1")
    assert listen_addresses == "127.0.0.1"
