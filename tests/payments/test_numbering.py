import os
import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from models import Base
from models.db import make_engine
from services.numbering import check_number_format, issue_number

INVOICE_FORMAT = "INV-{fiscal_year}-{seq:06d}"


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'numbering.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL numbering tests need it")
    schema = f"t_numbering_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, pool_size=20, max_overflow=0, pool_timeout=60,
                           execution_options={"schema_translate_map": {None: schema}})
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _issue(engine, doc_type="invoice", on=date(2026, 5, 1), number_format=INVOICE_FORMAT):
    with Session(engine) as session, session.begin():
        return issue_number(session, doc_type, number_format, on)


def test_numbers_run_per_type_and_fiscal_year(sqlite_engine):
    assert _issue(sqlite_engine) == "INV-2569-000001"
    assert _issue(sqlite_engine) == "INV-2569-000002"
    assert _issue(sqlite_engine, "receipt", number_format="RC-{fiscal_year}-{seq:06d}") == "RC-2569-000001"
    # 1 October opens fiscal year 2570 with its own sequence.
    assert _issue(sqlite_engine, on=date(2026, 10, 1)) == "INV-2570-000001"
    assert _issue(sqlite_engine, on=date(2026, 9, 30)) == "INV-2569-000003"


def test_rolled_back_issue_leaves_no_gap(sqlite_engine):
    assert _issue(sqlite_engine) == "INV-2569-000001"
    with Session(sqlite_engine) as session:
        session.begin()
        assert issue_number(session, "invoice", INVOICE_FORMAT, date(2026, 5, 1)) == "INV-2569-000002"
        session.rollback()
    assert _issue(sqlite_engine) == "INV-2569-000002"


@pytest.mark.parametrize("bad", ["INV-{fiscal_year}", "INV-{year}-{seq}", "INV-{seq:06q}", "{seq}{"])
def test_bad_formats_are_refused_with_the_fix(bad):
    with pytest.raises(ValueError, match="seq"):
        check_number_format(bad)


def test_bad_document_type_is_refused(sqlite_engine):
    with pytest.raises(ValueError, match="document type"):
        _issue(sqlite_engine, doc_type="Invoice; DROP")


def _concurrent_issue(engine, issuers, *, fail_every=0):
    numbers, errors = [], []
    start = threading.Barrier(issuers)

    def issuer(i):
        start.wait()
        try:
            with Session(engine) as session:
                session.begin()
                number = issue_number(session, "invoice", INVOICE_FORMAT, date(2026, 12, 15))
                if fail_every and i % fail_every == 0:
                    session.rollback()  # an issue that failed later in its transaction
                    return
                session.commit()
                numbers.append(number)
        except Exception as exc:  # collected so the assertion shows what went wrong
            errors.append(exc)

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(issuers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return numbers


@pytest.mark.postgres
def test_fifty_concurrent_issuers_get_fifty_consecutive_numbers_on_postgres(pg_engine):
    numbers = _concurrent_issue(pg_engine, 50)
    assert sorted(numbers) == [f"INV-2570-{n:06d}" for n in range(1, 51)]


@pytest.mark.postgres
def test_concurrent_rollbacks_leave_no_gap_on_postgres(pg_engine):
    numbers = _concurrent_issue(pg_engine, 30, fail_every=3)
    assert sorted(numbers) == [f"INV-2570-{n:06d}" for n in range(1, 21)]


def test_concurrent_issuers_on_sqlite(sqlite_engine):
    numbers = _concurrent_issue(sqlite_engine, 10)
    assert sorted(numbers) == [f"INV-2570-{n:06d}" for n in range(1, 11)]
