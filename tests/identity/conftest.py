from tests.accounts.conftest import db  # noqa: F401  (same databases as the accounts tests)
