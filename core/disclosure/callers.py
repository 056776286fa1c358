"""Who is asking: roles, the regions they act for, and what audience of a policy they are.

A caller without a token is PUBLIC.  A REGULATOR, REVIEWER or ADMIN acts within region codes
(a county code covers its towns, a city code its counties); a SUBJECT is one enterprise; a
DEPARTMENT or INDUSTRY caller is a partner outside the bureau.  What each may *see* of a grade
is decided by the policy's publicity rules for the audience the caller belongs to
(:meth:`Principal.audience_for`); what each may *write* by :meth:`Principal.require_write`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qcredit.core.contract import Audience
from qcredit.core.errors import Forbidden, InvalidInput, Unauthenticated
from qcredit.core.identifiers import region_covers, validate_credit_code, validate_region_code


class CallerRole(StrEnum):
    PUBLIC = "PUBLIC"
    SUBJECT = "SUBJECT"
    REGULATOR = "REGULATOR"
    REVIEWER = "REVIEWER"
    DEPARTMENT = "DEPARTMENT"
    INDUSTRY = "INDUSTRY"
    ADMIN = "ADMIN"


REGIONAL_ROLES = frozenset({CallerRole.REGULATOR, CallerRole.REVIEWER, CallerRole.ADMIN})
# A regulator or reviewer acts for the bureau of some region; one without a region is a
# misconfigured credential, not one that acts nowhere (or, worse, everywhere).
NEEDS_REGIONS = frozenset({CallerRole.REGULATOR, CallerRole.REVIEWER})
MAX_DEPARTMENT_LENGTH = 100


@dataclass(frozen=True)
class Principal:
    role: CallerRole = CallerRole.PUBLIC
    regions: tuple[str, ...] = ()
    department: str | None = None
    enterprise_code: str | None = None
    token_id: int | None = None
    subject: str = "anonymous"  # who, for the audit log (token id, JWT sub)

    @property
    def authenticated(self) -> bool:
        return self.role is not CallerRole.PUBLIC

    def covers(self, region_code: str) -> bool:
        """Whether the caller acts for this region.  An ADMIN with no regions acts everywhere."""
        if self.role is CallerRole.ADMIN and not self.regions:
            return True
        return any(region_covers(r, region_code) for r in self.regions)

    def audience_for(self, enterprise_code: str, region_code: str) -> Audience:
        """The audience of a policy's publicity rules this caller belongs to for one subject."""
        if self.role in REGIONAL_ROLES and self.covers(region_code):
            return Audience.REGULATOR
        if self.role is CallerRole.SUBJECT and self.enterprise_code == enterprise_code:
            return Audience.SUBJECT
        if self.role is CallerRole.DEPARTMENT:
            return Audience.DEPARTMENT
        if self.role is CallerRole.INDUSTRY:
            return Audience.INDUSTRY
        if self.role in REGIONAL_ROLES:
            # A regulator of another region is a partner department, not the bureau in charge.
            return Audience.DEPARTMENT
        return Audience.PUBLIC

    def require_write(self, region_code: str, field: str = "regionCode") -> None:
        """Writes (register, record, correct, regrade) need REGULATOR or ADMIN within region."""
        if not self.authenticated:
            raise Unauthenticated("writing needs a token (Authorization: Bearer …)")
        if self.role not in (CallerRole.REGULATOR, CallerRole.ADMIN):
            raise Forbidden(f"role {self.role.value} may not write", field=field)
        if not self.covers(region_code):
            raise Forbidden(
                f"region {region_code} is outside this token's regions "
                f"({', '.join(self.regions) or 'none'})",
                field=field,
            )

    def require_role(self, *roles: CallerRole) -> None:
        if not self.authenticated:
            raise Unauthenticated("this needs a token (Authorization: Bearer …)")
        if self.role not in roles:
            raise Forbidden(f"needs role {' or '.join(r.value for r in roles)}")

    def sees_ledger_of(self, enterprise_code: str, region_code: str) -> bool:
        """The raw ledger (complaints, inspections …) is for the bureau and the subject itself."""
        return self.audience_for(enterprise_code, region_code) in (
            Audience.REGULATOR,
            Audience.SUBJECT,
        )


PUBLIC = Principal()


def checked_principal(
    *,
    role: object,
    regions: object = (),
    department: object = None,
    enterprise_code: object = None,
    token_id: int | None = None,
    subject: str = "anonymous",
) -> Principal:
    """The caller a credential claims to be, every claim validated like any input.

    Used for tokens as ``qcredit token create`` makes them and for the claims of a signed JWT: a
    claim that is empty, malformed, of the wrong type or unknown raises :class:`InvalidInput`
    naming it, so a credential is refused at the door rather than read as a wider scope (an
    empty region code would be a prefix of every code).
    """
    if not isinstance(role, str):
        raise InvalidInput("role must be a string", field="role")
    try:
        r = CallerRole(role.strip().upper())
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(CallerRole)}", field="role") from None
    if r is CallerRole.PUBLIC:
        raise InvalidInput("PUBLIC needs no token", field="role")
    if not isinstance(regions, list | tuple):
        raise InvalidInput("regions must be a list of region codes", field="region")
    region_codes = tuple(validate_region_code(c, "region") for c in regions)
    if r in NEEDS_REGIONS and not region_codes:
        raise InvalidInput(f"a {r.value} token needs at least one region", field="region")
    if department is not None:
        if not isinstance(department, str) or not department.strip():
            raise InvalidInput("department must be a non-blank string", field="department")
        department = department.strip()
        if len(department) > MAX_DEPARTMENT_LENGTH:
            raise InvalidInput(
                f"department must be at most {MAX_DEPARTMENT_LENGTH} characters",
                field="department",
            )
    elif r is CallerRole.DEPARTMENT:
        raise InvalidInput("a DEPARTMENT token needs a department", field="department")
    if enterprise_code is not None:
        enterprise_code = validate_credit_code(enterprise_code, "enterprise")  # type: ignore[arg-type]
    elif r is CallerRole.SUBJECT:
        raise InvalidInput("a SUBJECT token needs an enterprise", field="enterprise")
    return Principal(r, region_codes, department, enterprise_code, token_id, subject)
