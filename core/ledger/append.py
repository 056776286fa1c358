"""The append-only ledger: registering subjects, recording events, correcting them.

There is deliberately no function here (or anywhere) that updates or deletes an event.  A
correction is a new ``CORRECTION`` event pointing at the old one; the old one's status is derived
(:func:`qcredit.core.facts.correction_states`).  Every function validates all of its input before
it writes anything, so a refused request leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
from qcredit.core import clock
from qcredit.core.errors import Conflict, InvalidInput, NotFound
from qcredit.core.facts import CorrectionState, correction_states
from qcredit.core.identifiers import validate_credit_code, validate_nice_class, validate_region_code
from qcredit.core.model import (
    CORRECTION_KIND,
    CorrectionAction,
    Enterprise,
    EnterpriseRole,
    Event,
    EventStatus,
    Product,
    SubjectType,
)
from qcredit.core.store import convert
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from qcredit.core.texts import free_text
from qcredit.core.vocabulary import Vocabulary, parse_date
from sqlalchemy import Insert, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

EARLIEST_DATE = date(1949, 10, 1)


@dataclass(frozen=True)
class Recorded:
    event: Event
    created: bool  # False when an identical event with the same externalId already existed


def check_date(value: Any, field: str, *, not_after: date | None = None) -> date:
    d = date.fromisoformat(parse_date(value, field))
    if d < EARLIEST_DATE:
        raise InvalidInput(f"{field} {d} is before {EARLIEST_DATE}", field=field)
    if not_after is not None and d > not_after:
        raise InvalidInput(f"{field} {d} is in the future (today is {not_after})", field=field)
    return d


def validate_roles(roles: Iterable[str] | None) -> frozenset[EnterpriseRole]:
    out = set()
    for r in roles or ():
        try:
            out.add(EnterpriseRole(r))
        except ValueError:
            raise InvalidInput(
                f"role must be one of {', '.join(EnterpriseRole)}; got {r!r}", field="roles"
            ) from None
    return frozenset(out)


_ENTERPRISE_BY_CODE = select(EnterpriseRow).where(EnterpriseRow.code == bindparam("code"))


async def enterprise_by_code(
    session: AsyncSession, code: str, field: str = "enterpriseCode"
) -> EnterpriseRow:
    canonical = validate_credit_code(code, field)
    row = (await session.execute(_ENTERPRISE_BY_CODE, {"code": canonical})).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no enterprise with code {canonical}", field=field)
    return row


async def register_enterprise(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    region_code: str,
    established_on: date | str | None = None,
    roles: Iterable[str] | None = None,
) -> tuple[Enterprise, bool]:
    """Register an enterprise; registering the same code with the same data again is a no-op,
    with different data a ``CONFLICT`` (the register is not an update path)."""
    canonical = validate_credit_code(code, "code")
    clean_name = free_text(name, "name", 200)
    region = validate_region_code(region_code, "regionCode")
    county, town = (region[:6], region) if len(region) == 9 else (region, None)
    established = (
        check_date(established_on, "establishedOn", not_after=clock.today())
        if established_on is not None
        else None
    )
    role_set = validate_roles(roles)
    existing = (
        await session.execute(select(EnterpriseRow).where(EnterpriseRow.code == canonical))
    ).scalar_one_or_none()
    wanted = (clean_name, county, town, established, ",".join(sorted(role_set)))
    if existing is not None:
        have = (
            existing.name,
            existing.region_code,
            existing.town_code,
            existing.established_on,
            existing.roles,
        )
        if have != wanted:
            raise Conflict(
                f"enterprise {canonical} is already registered with other data", field="code"
            )
        return convert.enterprise(existing), False
    row = EnterpriseRow(
        code=canonical,
        name=clean_name,
        region_code=county,
        town_code=town,
        established_on=established,
        roles=wanted[4],
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return convert.enterprise(row), True


async def register_product(
    session: AsyncSession,
    *,
    enterprise_code: str,
    trademark: str,
    nice_class: int,
    category: str | None = None,
) -> tuple[Product, bool]:
    """A product is one trademark in one Nice class (大类) of one enterprise."""
    mark = free_text(trademark, "trademark", 200)
    nice = validate_nice_class(nice_class, "niceClass")
    cat = free_text(category, "category", 64) if category is not None else None
    owner = await enterprise_by_code(session, enterprise_code)
    existing = (
        await session.execute(
            select(ProductRow).where(
                ProductRow.enterprise_id == owner.id,
                ProductRow.trademark == mark,
                ProductRow.nice_class == nice,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        if existing.category != cat:
            raise Conflict(
                f"product {mark} / class {nice} of {owner.code} is registered with category "
                f"{existing.category!r}",
                field="category",
            )
        return convert.product(existing), False
    row = ProductRow(
        enterprise_id=owner.id,
        trademark=mark,
        nice_class=nice,
        category=cat,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return convert.product(row), True


def content_digest(
    enterprise_id: int,
    product_id: int | None,
    kind: str,
    occurred_on: date,
    attributes: Mapping[str, Any],
    corrects_id: int | None = None,
) -> str:
    """SHA-256 of everything an event says: its JSON as orjson writes it, keys sorted. What
    makes a repeat of an externalId the same event (idempotency) rather than a CONFLICT.

    Events recorded before 2026-12-04 carry :func:`legacy_content_digest` (the standard
    library's encoder, four times slower: a tenth of an import's CPU); :func:`same_content`
    accepts either, so re-sending an old record stays a repeat."""
    content = [enterprise_id, product_id, kind, occurred_on.isoformat(), attributes, corrects_id]
    try:
        text = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson refuses (an integer beyond 64 bits): the older encoding
        return legacy_content_digest(
            enterprise_id, product_id, kind, occurred_on, attributes, corrects_id
        )
    return hashlib.sha256(text).hexdigest()


def legacy_content_digest(
    enterprise_id: int,
    product_id: int | None,
    kind: str,
    occurred_on: date | str,
    attributes: Mapping[str, Any],
    corrects_id: int | None = None,
) -> str:
    """The digest events recorded before 2026-12-04 carry (``json.dumps(…, sort_keys=True,
    ensure_ascii=False, default=str)``); still computed, but only when a stored digest does not
    match the current one."""
    on = occurred_on if isinstance(occurred_on, str) else occurred_on.isoformat()
    text = _DIGEST_ENCODER.encode(
        [enterprise_id, product_id, kind, on, dict(attributes), corrects_id]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def same_content(
    stored: str,
    digest: str,
    enterprise_id: int,
    product_id: int | None,
    kind: str,
    occurred_on: date,
    attributes: Mapping[str, Any],
    corrects_id: int | None = None,
) -> bool:
    """Whether a stored event's digest is that of this content, in either encoding."""
    if stored == digest:
        return True
    legacy = legacy_content_digest(
        enterprise_id, product_id, kind, occurred_on, attributes, corrects_id
    )
    return stored == legacy


def _same_row(stored: str, row: EventRow) -> bool:
    return same_content(
        stored,
        row.content_digest,
        row.enterprise_id,
        row.product_id,
        row.kind,
        row.occurred_on,
        row.attributes,
        row.corrects_id,
    )


# What json.dumps(..., sort_keys=True, ensure_ascii=False, default=str) builds on every call,
# built once: the same text, so the digests stored before 2026-12-04 keep matching.
_DIGEST_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def parse_event_id(raw: Any, field: str) -> int:
    """An event id as a number or as the API's global id (``Event:123`` in base64)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        if raw.isdigit():
            return int(raw)
        import base64
        import binascii

        try:
            decoded = base64.b64decode(raw, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        type_name, _, pk = decoded.partition(":")
        if type_name == "Event" and pk.isdigit():
            return int(pk)
    raise InvalidInput(f"{raw!r} is not an event id", field=field)


async def _idempotent(session: AsyncSession, row: EventRow) -> EventRow | None:
    """The stored event of ``row``'s externalId if it says the same; CONFLICT if it does not."""
    external_id = row.external_id
    if external_id is None:
        return None
    existing = (
        await session.execute(select(EventRow).where(EventRow.external_id == external_id))
    ).scalar_one_or_none()
    if existing is None:
        return None
    if not _same_row(existing.content_digest, row):
        raise Conflict(
            f"externalId {external_id!r} was already used for a different event (id {existing.id})",
            field="externalId",
        )
    return existing


async def _append(
    session: AsyncSession,
    enterprise_id: int,
    product_id: int | None,
    kind: str,
    occurred_on: date,
    attributes: dict[str, Any],
    external_id: str | None,
    digest: str,
    *,
    corrects_id: int | None = None,
    correction_seq: int | None = None,
) -> EventRow:
    """Append one checked event (recorded now) to the ledger."""
    row = EventRow(
        enterprise_id=enterprise_id,
        product_id=product_id,
        kind=kind,
        occurred_on=occurred_on,
        recorded_at=clock.now(),
        attributes=attributes,
        external_id=external_id,
        content_digest=digest,
        corrects_id=corrects_id,
        correction_seq=correction_seq,
    )
    return await _insert(session, row)


async def _insert(session: AsyncSession, row: EventRow) -> EventRow:
    """Insert, turning a concurrent insert of the same externalId, or of another correction of
    the same state of an event, into idempotency or CONFLICT."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = await _idempotent(session, row)
        if existing is None and row.corrects_id is not None:
            existing = await _same_correction(session, row)
        if existing is None:
            raise
        return existing
    return row


async def _same_correction(session: AsyncSession, row: EventRow) -> EventRow:
    """The correction that won the race for ``row``'s place: the same correction (an identical
    request) is returned as stored; another one is a CONFLICT — the caller corrected a state of
    the event that is no longer its state."""
    winner = (
        await session.execute(
            select(EventRow).where(
                EventRow.corrects_id == row.corrects_id,
                EventRow.correction_seq == row.correction_seq,
            )
        )
    ).scalar_one_or_none()
    if winner is None:
        raise Conflict(
            f"event {row.corrects_id} is being corrected by another request; read it again",
            field="eventId",
        )
    if winner.external_id == row.external_id and _same_row(winner.content_digest, row):
        return winner
    raise Conflict(
        f"event {row.corrects_id} was corrected by another request (correction {winner.id}); "
        "read its status and correct that if needed",
        field="eventId",
    )


async def record_event(
    session: AsyncSession,
    vocabulary: Vocabulary,
    *,
    kind: str,
    occurred_on: date | str,
    enterprise_code: str | None = None,
    product_id: int | None = None,
    attributes: Mapping[str, Any] | None = None,
    external_id: str | None = None,
    enterprise: EnterpriseRow | None = None,
) -> Recorded:
    """Append one event about exactly one subject: an enterprise or one of its products.
    ``enterprise``: the row of ``enterprise_code`` when the caller has already looked it up."""
    if (enterprise_code is None) == (product_id is None):
        raise InvalidInput(
            "give exactly one of enterpriseCode and productId",
            field="productId" if product_id is not None else "enterpriseCode",
        )
    spec = vocabulary.get(kind, "kind")
    occurred = check_date(occurred_on, "occurredOn", not_after=clock.today())
    attrs = spec.validate(attributes, "attributes")
    ext = free_text(external_id, "externalId", 128) if external_id is not None else None
    if product_id is not None:
        if SubjectType.PRODUCT not in spec.on:
            raise InvalidInput(
                f"{kind} is recorded on an enterprise, not on a product", field="productId"
            )
        prod = await session.get(ProductRow, product_id)
        if prod is None:
            raise NotFound(f"no product {product_id}", field="productId")
        enterprise_id, prod_id = prod.enterprise_id, prod.id
    else:
        assert enterprise_code is not None
        if enterprise is None or enterprise.code != validate_credit_code(
            enterprise_code, "enterpriseCode"
        ):
            enterprise = await enterprise_by_code(session, enterprise_code)
        enterprise_id, prod_id = enterprise.id, None
    for name, spec_attr in spec.all_attributes.items():
        if spec_attr.type == "event" and name in attrs:
            ref = parse_event_id(attrs[name], f"attributes.{name}")
            target = await session.get(EventRow, ref)
            if target is None or target.enterprise_id != enterprise_id:
                raise InvalidInput(
                    f"{name} must name an event of the same enterprise", field=f"attributes.{name}"
                )
            attrs[name] = ref
    digest = content_digest(enterprise_id, prod_id, kind, occurred, attrs)
    row = EventRow(
        enterprise_id=enterprise_id,
        product_id=prod_id,
        kind=kind,
        occurred_on=occurred,
        recorded_at=clock.now(),
        attributes=attrs,
        external_id=ext,
        content_digest=digest,
    )
    stored, created = await _insert_once(session, row)
    return Recorded(convert.event(stored), created)


@lru_cache(maxsize=4)
def _insert_once_statement(dialect: str) -> tuple[Insert, tuple[str, ...]]:
    """``_insert_once``'s statement, built once per dialect, and the columns it is given."""
    t = EventRow.__table__
    assert isinstance(t, Table)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = tuple(c.name for c in t.columns if c.name != "id")
    return insert(t).on_conflict_do_nothing().returning(t.c.id), columns


async def _insert_once(session: AsyncSession, row: EventRow) -> tuple[EventRow, bool]:
    """Insert a new event (not a correction) in one statement, ``INSERT … ON CONFLICT DO NOTHING
    RETURNING id``, rather than look its externalId up first and insert in a savepoint.  Nothing
    returned means the externalId is taken — by a concurrent writer too: PostgreSQL makes this
    insert wait for the other transaction and then sees its row — so the stored event is the
    answer if it says the same, else CONFLICT."""
    stmt, columns = _insert_once_statement(session.get_bind().dialect.name)
    values = {name: getattr(row, name) for name in columns}
    new_id = (await session.execute(stmt, values)).scalar_one_or_none()
    if new_id is not None:
        row.id = new_id
        return row, True
    existing = await _idempotent(session, row)
    if existing is None:  # not reachable: the only unique key a new event can collide on
        raise Conflict("the event could not be stored; send it again", field="externalId")
    return existing, False


async def _corrections_of(session: AsyncSession, event_ids: list[int]) -> list[EventRow]:
    return list(
        (await session.execute(select(EventRow).where(EventRow.corrects_id.in_(event_ids))))
        .scalars()
        .all()
    )


def _statuses(ids: list[int], corrections: Iterable[EventRow]) -> dict[int, EventStatus]:
    states = correction_states(convert.event(r) for r in corrections)
    return {i: states[i].status if i in states else EventStatus.ACTIVE for i in ids}


async def event_statuses(session: AsyncSession, event_ids: Iterable[int]) -> dict[int, EventStatus]:
    ids = list(event_ids)
    if not ids:
        return {}
    return _statuses(ids, await _corrections_of(session, ids))


@dataclass(frozen=True)
class CorrectionTarget:
    """What a correction reads of the event it corrects."""

    id: int
    enterprise_id: int
    product_id: int | None
    kind: str
    occurred_on: date
    attributes: dict[str, Any]


def check_correction_request(
    action: Any, reason: Any, effective_on: Any, external_id: Any, today: date
) -> tuple[CorrectionAction, str, date, str | None]:
    """(action, reason, effective date, externalId) of a correction, checked before its target
    is looked up."""
    try:
        act = CorrectionAction(action)
    except ValueError:
        raise InvalidInput(
            f"action must be one of {', '.join(CorrectionAction)}", field="action"
        ) from None
    why = free_text(reason, "reason", 500)
    on = (
        check_date(effective_on, "effectiveOn", not_after=today)
        if effective_on is not None
        else today
    )
    ext = free_text(external_id, "externalId", 128) if external_id is not None else None
    return act, why, on, ext


def correction_of(
    vocabulary: Vocabulary,
    target: CorrectionTarget,
    act: CorrectionAction,
    why: str,
    on: date,
    attributes: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], str]:
    """The correction's attributes and content digest, once it may correct ``target``."""
    if target.kind == CORRECTION_KIND:
        raise InvalidInput(
            "a correction cannot itself be corrected; correct the original event", field="eventId"
        )
    if on < target.occurred_on:
        raise InvalidInput(
            "a correction cannot take effect before the event it corrects", field="effectiveOn"
        )
    corr: dict[str, Any] = {"action": act.value, "reason": why}
    if act is CorrectionAction.AMEND:
        if not attributes:
            raise InvalidInput("AMEND needs the amended attributes", field="attributes")
        spec = vocabulary.kinds[target.kind]
        corr["changes"] = spec.validate({**target.attributes, **dict(attributes)}, "attributes")
    elif attributes:
        raise InvalidInput(f"{act.value} takes no attributes", field="attributes")
    digest = content_digest(
        target.enterprise_id, target.product_id, CORRECTION_KIND, on, corr, target.id
    )
    return corr, digest


def _check_changes_state(
    target: CorrectionTarget, corr: Mapping[str, Any], states: Mapping[int, CorrectionState]
) -> None:
    """A correction must change the state the event is in: nothing is left to correct of a void
    event, and an AMEND to the attributes it already has is a repeat — of two writers who saw the
    same state and amended it alike, the second one lands here."""
    state = states.get(target.id)
    if state is not None and state.void:
        raise Conflict(
            f"event {target.id} is already {state.status.value}; nothing left to correct",
            field="eventId",
        )
    current = {**target.attributes, **(state.changes if state else {})}
    if corr["action"] == CorrectionAction.AMEND.value and corr["changes"] == current:
        raise Conflict(
            f"event {target.id} already has these attributes; nothing to amend", field="eventId"
        )


async def correct_event(
    session: AsyncSession,
    vocabulary: Vocabulary,
    *,
    event_id: Any,
    action: str,
    reason: str,
    attributes: Mapping[str, Any] | None = None,
    effective_on: date | str | None = None,
    external_id: str | None = None,
) -> tuple[Event, Event]:
    """Append a correction of ``event_id``; returns (the correction, the corrected event)."""
    target_id = parse_event_id(event_id, "eventId")
    act, why, on, ext = check_correction_request(
        action, reason, effective_on, external_id, clock.today()
    )
    target = await session.get(EventRow, target_id)
    if target is None:
        raise NotFound(f"no event {target_id}", field="eventId")
    of = CorrectionTarget(
        target.id, target.enterprise_id, target.product_id, target.kind, target.occurred_on,
        dict(target.attributes or {}),
    )  # fmt: skip
    corr, digest = correction_of(vocabulary, of, act, why, on, attributes)
    asked = EventRow(  # what a stored correction under ``ext`` is compared with; never added
        enterprise_id=target.enterprise_id, product_id=target.product_id, kind=CORRECTION_KIND,
        occurred_on=on, attributes=corr, external_id=ext, content_digest=digest,
        corrects_id=target.id,
    )  # fmt: skip
    existing = await _idempotent(session, asked)
    if existing is not None:
        return convert.event(existing), convert.event(target)
    # Checked after idempotency, so re-sending a revocation with its externalId is not a conflict.
    earlier = await _corrections_of(session, [target_id])
    _check_changes_state(of, corr, correction_states(convert.event(r) for r in earlier))
    # The correction corrects the state the event has after ``earlier``: its number is unique per
    # event in the database, so of two writers correcting the same state only one lands.
    row = await _append(
        session, target.enterprise_id, target.product_id, CORRECTION_KIND, on, corr, ext, digest,
        corrects_id=target.id, correction_seq=len(earlier) + 1,
    )  # fmt: skip
    return convert.event(row), convert.event(target)
