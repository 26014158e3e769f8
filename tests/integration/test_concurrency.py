"""Writers at the same time: every write lands and the sealer puts every entry in the tree exactly once."""

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import JournalEntry, Supplier
from tests.helpers import OPERATOR, log_keys
from traceability.service import journal, records


def test_concurrent_writers_all_land_in_the_tree(app, world):
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
        journal.seal(session, log_keys(app))
        report = journal.verify(session, log_keys(app))
        suppliers = session.scalar(sa.select(sa.func.count()).select_from(Supplier))
        leaves = session.scalars(sa.select(JournalEntry.leaf_index).order_by(JournalEntry.leaf_index)).all()
    assert suppliers == 45
    assert report.ok
    assert leaves == list(range(len(leaves)))
