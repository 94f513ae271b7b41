"""/api/accounts and /api/contacts: lists (cursor pages, filters, sort) and single records,
those of the deals and leads the caller sees."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from pipefit.services.scoped_records import get_record, list_records
from pipefit.webapi.auth import CurrentLogin, Workspace
from pipefit.webapi.paging import LIST_ERRORS, Cursor, Limit, Page
from pipefit.webapi.schemas import ErrorBody, money

__all__ = ["router"]

router = APIRouter(tags=["accounts and contacts"])


class AccountOut(BaseModel):
    """A buying company."""

    account_id: str = Field(description="The account's id.")
    name: str = Field(description="Its name.")
    industry: str | None = Field(description="Its industry (its lane's vertical).")
    employees: int | None = Field(description="How many people it employs.")
    annual_revenue: float | None = Field(description="Its yearly revenue, in its currency.")
    region: str | None = Field(description="Where it is.")
    culture: str | None = Field(
        description="Its place on the adoption curve: innovator, early_adopter, ..."
    )
    segment: str | None = Field(description="Its segment by size (smb, enterprise, ...).")

    @classmethod
    def of(cls, row: dict[str, Any]) -> AccountOut:
        return cls(
            account_id=row["account_id"], name=row["name"], industry=row["industry"],
            employees=row["employees"], annual_revenue=money(row["annual_revenue"]),
            region=row["region"], culture=row["culture"], segment=row["segment"],
        )  # fmt: skip


class AccountPage(Page[AccountOut]):
    """One page of the accounts the caller may see."""

    rows = "accounts"


class ContactOut(BaseModel):
    """A person at a buying company."""

    contact_id: str = Field(description="The contact's id.")
    account_id: str | None = Field(description="Their account.")
    name: str = Field(description="Their name.")
    title: str | None = Field(description="Their job title.")
    is_executive: bool = Field(description="An executive (a discovery signal).")
    is_decision_maker: bool = Field(description="A decision maker (BANT's authority).")
    on_buying_committee: bool = Field(description="On the buying committee.")
    former_user: bool = Field(description="Used the product at a former company.")

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContactOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class ContactPage(Page[ContactOut]):
    """One page of the contacts the caller may see."""

    rows = "contacts"


@router.get("/api/accounts", response_model=AccountPage, responses=LIST_ERRORS)
def list_accounts(
    app: Workspace,
    login: CurrentLogin,
    segment: Annotated[str | None, Query(description="Only accounts of this segment.")] = None,
    industry: Annotated[str | None, Query(description="Only accounts of this industry.")] = None,
    region: Annotated[str | None, Query(description="Only accounts of this region.")] = None,
    sort: Annotated[
        str, Query(description="account_id or name; a leading - for descending.")
    ] = "account_id",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AccountPage:
    """The accounts of the deals and leads you may see, a page at a time."""
    found = list_records(
        app.accounts(), login.scope, "accounts",
        filters={"segment": segment, "industry": industry, "region": region},
        sort=sort, cursor=cursor, limit=limit,
    )  # fmt: skip
    return AccountPage.of(found, found.page.rows, AccountOut.of)


@router.get(
    "/api/accounts/{account_id}",
    response_model=AccountOut,
    responses={404: {"model": ErrorBody, "description": "No such account, or not one you see."}},
)
def get_account(
    app: Workspace,
    login: CurrentLogin,
    account_id: Annotated[str, Path(description="The account's id.", max_length=100)],
) -> AccountOut:
    """One account, if one of its deals or leads is yours to see."""
    return AccountOut.of(get_record(app.accounts(), login.scope, "accounts", account_id))


@router.get("/api/contacts", response_model=ContactPage, responses=LIST_ERRORS)
def list_contacts(
    app: Workspace,
    login: CurrentLogin,
    account_id: Annotated[
        str | None, Query(description="Only the contacts of this account.")
    ] = None,
    sort: Annotated[
        str, Query(description="contact_id or name; a leading - for descending.")
    ] = "contact_id",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ContactPage:
    """The contacts of the accounts you see and of your leads, a page at a time."""
    found = list_records(
        app.accounts(), login.scope, "contacts", filters={"account_id": account_id},
        sort=sort, cursor=cursor, limit=limit,
    )  # fmt: skip
    return ContactPage.of(found, found.page.rows, ContactOut.of)


@router.get(
    "/api/contacts/{contact_id}",
    response_model=ContactOut,
    responses={404: {"model": ErrorBody, "description": "No such contact, or not one you see."}},
)
def get_contact(
    app: Workspace,
    login: CurrentLogin,
    contact_id: Annotated[str, Path(description="The contact's id.", max_length=100)],
) -> ContactOut:
    """One contact, if their account or lead is yours to see."""
    return ContactOut.of(get_record(app.accounts(), login.scope, "contacts", contact_id))
