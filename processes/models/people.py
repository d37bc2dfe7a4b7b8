"""People, organizations and certificates: every check a permit makes about a person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import JsonType, UtcDateTime, db

#: kinds of organization; a legal entity (group edition) is its own table
ORGANIZATION_KINDS = ("department", "unit", "team", "contractor")


class Organization(db.Model):
    """A department, operating unit, team or contractor firm.

    Teams hang under units or departments (``parent_id``); the team leader is whoever
    holds the ``team_leader`` role in the team. In the group edition every organization
    belongs to a legal entity.
    """

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: department | unit | team | contractor
    kind: Mapped[str] = mapped_column(String(20))
    site_code: Mapped[str | None] = mapped_column(ForeignKey("site.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    legal_entity_code: Mapped[str | None] = mapped_column(ForeignKey("legal_entity.code"))
    #: contractor firms: the unified social credit code (统一社会信用代码)
    credit_code: Mapped[str | None] = mapped_column(String(40))


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    username: Mapped[str | None] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: role keys of design §5
    roles: Mapped[list[str]] = mapped_column(JsonType, default=list)
    site_code: Mapped[str | None] = mapped_column(ForeignKey("site.code"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    employee_no: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    #: upload id of a face photo (shown on the contractor access page); no FK, because
    #: uploads already point at people and a cycle would make table order ambiguous
    photo_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    certificates: Mapped[list[Certificate]] = relationship(back_populates="person",
                                                           lazy="select")

    def has_role(self, *roles: str) -> bool:
        return any(r in (self.roles or []) for r in roles)

    @property
    def is_contractor(self) -> bool:
        return self.organization is not None and self.organization.kind == "contractor"


class CertificateType(db.Model):
    """The certificate catalogue (MEM Order No. 30 special operations, special equipment,
    the in-house watcher certificate): validity, review cycle and what it authorizes."""

    __tablename__ = "certificate_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: special_operation (MEM Order No. 30) | special_equipment (TSG) | in_house
    category: Mapped[str] = mapped_column(String(30), default="special_operation")
    #: the trade it belongs to (electrician, welding, height, hazchem, crane, watcher):
    #: a composite qualification is usable certificates in two or more trades
    family: Mapped[str] = mapped_column(String(30), default="other")
    validity_years: Mapped[int] = mapped_column(default=6)
    #: 0 means no periodic review
    review_years: Mapped[int] = mapped_column(default=3)
    #: review interval granted after ``extension_clean_years`` in the trade without a
    #: violation (MEM Order No. 30 art. 21); 0 = no extension
    extended_review_years: Mapped[int] = mapped_column(default=0)
    extension_clean_years: Mapped[int] = mapped_column(default=10)
    #: apply for review (or renewal) at most this many days before it falls due
    review_window_days: Mapped[int] = mapped_column(default=60)
    #: [{"permit_type": "hot_work", "role": "worker", "grades": ["special", ...] | null}]
    authorizes: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    issuer: Mapped[str | None] = mapped_column(String(120))
    basis: Mapped[str | None] = mapped_column(String(200))


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("type_code", "number", name="uq_certificate_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("certificate_type.code"))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    #: the next 复审 due date; None when the type has no review
    review_due_on: Mapped[date | None] = mapped_column(Date)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: since when the holder works continuously in this trade (for the 6-year interval)
    in_trade_since: Mapped[date | None] = mapped_column(Date)
    #: violations recorded in the current period (art. 25: any one blocks the extension)
    violations: Mapped[int] = mapped_column(default=0)
    voided: Mapped[bool] = mapped_column(default=False)
    voided_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: unverified | verified | not_found | mismatch (national lookup adapter)
    verification: Mapped[str] = mapped_column(String(20), default="unverified")
    #: why it is still unverified (e.g. the lookup was unreachable), or what was found
    verification_note: Mapped[str | None] = mapped_column(String(255))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: upload id of the scanned certificate
    scan_id: Mapped[str | None] = mapped_column(String(64))

    person: Mapped[Person] = relationship(back_populates="certificates")
    type: Mapped[CertificateType] = relationship(lazy="joined")
