from tests.accounts.conftest import accounts_pg_url, db  # noqa: F401  (same databases as the accounts tests)
