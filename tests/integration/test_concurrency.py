"""Writers at the same time: every write lands and the journal chain stays one straight line."""

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import JournalEntry, Supplier
from tests.helpers import OPERATOR
from traceability.service import journal, records


def test_concurrent_writers_keep_the_chain_linear(app, world):
    engine = app.extensions["db_engine"]

    def write(worker: int) -> None:
        for n in range(15):
            with Session(engine, expire_on_commit=False) as session:
                records.create_record(
                    session,
                    OPERATOR,
                    "suppliers",
                    {"name": f"Pasar {worker}-{n}", "kind": "market"},
                    business_id=world.business_a,
                )

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(write, range(3)))

    with Session(engine) as session:
        report = journal.verify(session)
        suppliers = session.scalar(sa.select(sa.func.count()).select_from(Supplier))
        seqs = session.scalars(sa.select(JournalEntry.seq).order_by(JournalEntry.seq)).all()
    assert suppliers == 45
    assert report.ok
    assert seqs == list(range(1, len(seqs) + 1))
