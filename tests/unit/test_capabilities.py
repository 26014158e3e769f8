"""The capability table against DESIGN section 9: who may do what is written here again from the design, so a
change to `HOLDERS` that disagrees with the design fails, and every departure from it is named."""

from __future__ import annotations

import pytest

from traceability.service.access import HOLDERS, Actor, Capability
from traceability.vocabulary import Role

# DESIGN section 9, its table row by row (the public column is left out: no capability guards a public page).
COLUMNS = (Role.PRODUCER, Role.PENDAMPING, Role.AUDITOR, Role.ADMIN)
RECORDS = "read/write own materials, lots, steps, products"
SUBMIT = "submit for review"
REVIEW = "review, decide, request evidence"
TRACE = "trace, exports"
CODES = "issue/revoke codes"
CERTIFICATES = "certificates status (revoke, suspend)"
ADMINISTRATION = "reference data, users, keys"
SECTION_9 = {
    RECORDS: ("yes", "read, comment", "read", "read"),
    SUBMIT: ("yes", "yes", "no", "no"),
    REVIEW: ("no", "no", "yes", "no"),
    TRACE: ("own", "assigned", "all", "all"),
    CODES: ("own", "no", "revoke", "yes"),
    CERTIFICATES: ("no", "no", "yes", "yes"),
    ADMINISTRATION: ("no", "no", "no", "yes"),
}
# "A coordinator sees the milestones of the businesses in the programmes they run, and the registry; nothing else
# of their records." The coordinator has no column, so holds nothing the table's rows grant.
COORDINATOR = frozenset({Role.COORDINATOR})


def _where(row: str, *cells: str) -> frozenset[Role]:
    """The roles whose cell in `row` is one of `cells`."""
    return frozenset(role for role, cell in zip(COLUMNS, SECTION_9[row], strict=True) if cell in cells)


DESIGN = {
    Capability.READ_RECORDS: _where(RECORDS, "yes", "read, comment", "read"),
    Capability.READ_EVERY_BUSINESS: _where(TRACE, "all"),
    Capability.FOLLOW_ASSIGNED_BUSINESSES: _where(TRACE, "assigned"),
    Capability.WRITE_RECORDS: _where(RECORDS, "yes"),
    Capability.WRITE_EVERY_BUSINESS: frozenset(),  # no column writes every business: the operator alone does
    # Section 1: the producer "registers the business (NIB)". DESIGN is silent on registering one for someone
    # else: the service lets the admin, who creates the users that join it.
    Capability.REGISTER_OWN_BUSINESS: frozenset({Role.PRODUCER}),
    Capability.REGISTER_ANY_BUSINESS: _where(ADMINISTRATION, "yes"),
    Capability.SUBMIT_FOR_REVIEW: _where(SUBMIT, "yes"),
    Capability.COMMENT_ON_REVIEWS: _where(RECORDS, "yes", "read, comment") | _where(REVIEW, "yes"),
    Capability.REVIEW: _where(REVIEW, "yes"),
    # Section 1: the pendamping "verifies their self-declare records".
    Capability.VERIFY_SELF_DECLARE: frozenset({Role.PENDAMPING}),
    Capability.ISSUE_CODES: _where(CODES, "own", "yes"),
    Capability.REVOKE_ANY_CODE: _where(CODES, "revoke", "yes"),
    Capability.DECIDE_CERTIFICATES: _where(CERTIFICATES, "yes"),
    Capability.MANAGE_USERS: _where(ADMINISTRATION, "yes"),
    Capability.MANAGE_REFERENCE: _where(ADMINISTRATION, "yes"),
    # Entries of no business are account and reference changes: the admin's.
    Capability.READ_WHOLE_JOURNAL: _where(ADMINISTRATION, "yes"),
    # The coordinator's sentence. DESIGN is silent on the admin: the service lets them open a programme naming its
    # coordinator, and see every programme.
    Capability.RUN_PROGRAMMES: COORDINATOR | _where(ADMINISTRATION, "yes"),
    Capability.RUN_EVERY_PROGRAMME: _where(ADMINISTRATION, "yes"),
    # The registry: the coordinator's sentence, and whoever sees every business. Section 1 has the coordinator
    # import it; DESIGN is silent on the admin, whom the service lets import it too.
    Capability.READ_REGISTRY: COORDINATOR | _where(TRACE, "all"),
    Capability.IMPORT_REGISTRY: COORDINATOR | _where(ADMINISTRATION, "yes"),
    # A pendamping reads the records of the businesses "assigned" to them: the admin assigns (users), and the
    # business itself, through its producer, may consent to one (section 9 names no one else).
    Capability.CONSENT_TO_PENDAMPING: _where(RECORDS, "yes"),
    # Section 8b: "an admin, coordinator or pendamping invites a business".
    Capability.INVITE_PRODUCERS: COORDINATOR | _where(ADMINISTRATION, "yes") | frozenset({Role.PENDAMPING}),
}

# Where the table departs from DESIGN on purpose: (capability, role) -> why. A departure added or removed here
# without the same change to the table, or to the table without a line here, fails.
DEPARTURES = {
    (Capability.ISSUE_CODES, Role.ADMIN): (
        "DESIGN's admin 'yes' covers issuing too, but the service has always let only the batch's producer issue "
        "its codes (an admin's POST /batches/<id>/codes is a 403); an admin revokes any code"
    ),
}


def _expected(capability: Capability) -> frozenset[Role]:
    departing = {role for (cap, role) in DEPARTURES if cap is capability}
    return DESIGN[capability] ^ departing


@pytest.mark.parametrize("capability", list(Capability))
def test_each_capability_is_held_by_the_roles_design_section_9_names(capability):
    assert HOLDERS[capability] == _expected(capability)


def test_the_table_and_the_design_name_the_same_capabilities():
    assert set(HOLDERS) == set(Capability) == set(DESIGN)


def test_every_role_holds_something():
    assert {role for holders in HOLDERS.values() for role in holders} == set(Role)


def test_each_departure_really_departs_from_the_design():
    for (capability, role), why in DEPARTURES.items():
        assert (role in HOLDERS[capability]) != (role in DESIGN[capability]), why


def test_the_operator_holds_every_capability():
    operator = Actor.operator()

    assert all(getattr(operator, f"may_{capability}") for capability in Capability)
    assert all(operator.holds(capability) for capability in Capability)


@pytest.mark.parametrize("role", list(Role))
def test_an_actor_holds_what_the_table_gives_its_role(role):
    actor = Actor(label="test", role=role)

    got = {capability for capability in Capability if getattr(actor, f"may_{capability}")}
    assert got == {capability for capability in Capability if role in HOLDERS[capability]}
    assert got == {capability for capability in Capability if actor.holds(capability)}


def test_wider_capabilities_include_the_narrower_ones():
    assert HOLDERS[Capability.READ_EVERY_BUSINESS] <= HOLDERS[Capability.READ_RECORDS]
    assert HOLDERS[Capability.FOLLOW_ASSIGNED_BUSINESSES] <= HOLDERS[Capability.READ_RECORDS]
    assert HOLDERS[Capability.WRITE_RECORDS] <= HOLDERS[Capability.READ_RECORDS]
    assert HOLDERS[Capability.RUN_EVERY_PROGRAMME] <= HOLDERS[Capability.RUN_PROGRAMMES]


def test_each_role_sees_its_own_the_assigned_or_every_business():
    seen = {
        "producer": Actor("t", Role.PRODUCER, user_id=1, business_id=7).visible_businesses(),
        "pendamping": Actor("t", Role.PENDAMPING, user_id=2, assigned=frozenset({7, 8})).visible_businesses(),
        "auditor": Actor("t", Role.AUDITOR, user_id=3).visible_businesses(),
        "admin": Actor("t", Role.ADMIN, user_id=4).visible_businesses(),
        "coordinator": Actor("t", Role.COORDINATOR, user_id=5).visible_businesses(),
        "operator": Actor.operator().visible_businesses(),
    }

    assert seen == {
        "producer": {7},
        "pendamping": {7, 8},
        "auditor": None,
        "admin": None,
        "coordinator": set(),
        "operator": None,
    }


def test_a_coordinator_runs_their_own_programmes_and_an_admin_every_one():
    coordinator = Actor("t", Role.COORDINATOR, user_id=5)
    runs = {
        "own": coordinator.may_run_programme(5),
        "another's": coordinator.may_run_programme(6),
        "admin": Actor("t", Role.ADMIN, user_id=4).may_run_programme(5),
        "producer": Actor("t", Role.PRODUCER, user_id=5).may_run_programme(5),
    }

    assert runs == {"own": True, "another's": False, "admin": True, "producer": False}


def test_a_user_manages_their_own_account_and_an_admin_anyone_s():
    producer = Actor("t", Role.PRODUCER, user_id=1, business_id=7)

    assert producer.may_manage_account(1)
    assert not producer.may_manage_account(2)
    assert Actor("t", Role.ADMIN, user_id=4).may_manage_account(2)
