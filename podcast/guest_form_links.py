"""Guest form links: the signed token, the team's actions on a link, and the guest's submits.

The URL token is `django.core.signing` of (link id, nonce) under its own salt: it cannot be
guessed or forged, and rotating the nonce invalidates every copy sent before. A wrong,
forged or rotated token is indistinguishable from a link that never existed (404); a locked
or expired one says only that the form is closed. Every team action writes an audit event;
every submit creates or updates the link's one intake item and tells the episode's owner.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record, notify
from podcast.guest_form import links_of, summary_text
from podcast.intake.services import intake_add_attachment, intake_create, intake_update_content
from podcast.models import Episode, Guest, GuestFormLink, IntakeItem

SALT = "podcast.guest-form.link"
REPLAYED = (
    "This form was already sent from this page. Your answers are below: reload the page to see "
    "the latest version, or send again."
)
EXPIRY_IN_PAST = "Choose an expiry in the future, or none."


class FormClosed(Exception):
    """The link exists but is locked or expired: the guest sees "This form is closed"."""


class FormNotFound(Exception):
    """Wrong, forged or rotated token: the guest sees a plain not-found page."""


# --- tokens --------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def link_token(link: GuestFormLink) -> str:
    return _signer().sign_object([link.pk, link.nonce])


def link_path(link: GuestFormLink) -> str:
    return reverse("podcast:guest-form", args=[link_token(link)])


def open_link(token: str, *, at: datetime | None = None) -> GuestFormLink:
    """The link a token names, open for the guest; FormNotFound / FormClosed otherwise."""
    try:
        pk, nonce = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise FormNotFound from exc
    link = (
        GuestFormLink.objects.select_related("guest", "episode", "item")
        .filter(pk=pk if isinstance(pk, int) else -1)
        .first()
    )
    if link is None or not constant_time_compare(str(nonce), link.nonce):
        raise FormNotFound
    if link.is_locked or link.is_expired(at):
        raise FormClosed
    return link


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _over(key: str, limit: int) -> bool:
    window = settings.GUEST_FORM_RATE_WINDOW_SECONDS
    cache.add(key, 0, window)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the cache is unavailable: the body limit and CSRF still apply
        return False


def rate_limited(*, token: str, ip: str) -> bool:
    """Count this request against its IP and its token; True once either is over its limit."""
    by_ip = _over(f"guest-form:ip:{_digest(ip)}", settings.GUEST_FORM_IP_RATE_LIMIT)
    by_token = _over(f"guest-form:token:{_digest(token)}", settings.GUEST_FORM_TOKEN_RATE_LIMIT)
    return by_ip or by_token


# --- the team's actions --------------------------------------------------------------------


def _audit(link: GuestFormLink, by: User | None, action: str, **changes) -> None:
    audit_record(
        actor=by,
        action=f"guest_form.{action}",
        target=link,
        target_label=f"Guest form for {link.guest.name}"[:300],
        changes=changes,
    )


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError(EXPIRY_IN_PAST, field="expires_at")


@transaction.atomic
def form_link_create(
    *,
    guest: Guest,
    by: User | None,
    episode: Episode | None = None,
    expires_at: datetime | None = None,
) -> GuestFormLink:
    _check_expiry(expires_at)
    link = GuestFormLink.objects.create(
        guest=guest,
        episode=episode,
        nonce=secrets.token_urlsafe(32),
        expires_at=expires_at,
        created_by=by,
    )
    _audit(link, by, "created", episode=episode.pk if episode else None)
    return link


def _locked_row(link: GuestFormLink) -> GuestFormLink:
    return GuestFormLink.objects.select_for_update().select_related("guest").get(pk=link.pk)


@transaction.atomic
def form_link_rotate(*, link: GuestFormLink, by: User | None) -> GuestFormLink:
    """A new token; every URL sent before stops working (the answers stay)."""
    link = _locked_row(link)
    link.nonce = secrets.token_urlsafe(32)
    link.save(update_fields=["nonce"])
    _audit(link, by, "rotated")
    return link


@transaction.atomic
def form_link_lock(*, link: GuestFormLink, by: User | None, locked: bool = True) -> GuestFormLink:
    """Lock (the guest can no longer edit) or unlock the form."""
    link = _locked_row(link)
    link.locked_at, link.locked_by = (timezone.now(), by) if locked else (None, None)
    link.save(update_fields=["locked_at", "locked_by"])
    _audit(link, by, "locked" if locked else "unlocked")
    return link


@transaction.atomic
def form_link_set_expiry(
    *, link: GuestFormLink, by: User | None, expires_at: datetime | None
) -> GuestFormLink:
    _check_expiry(expires_at)
    link = _locked_row(link)
    link.expires_at = expires_at
    link.save(update_fields=["expires_at"])
    _audit(link, by, "expiry", expires_at=expires_at.isoformat() if expires_at else None)
    return link


# --- the guest's side ----------------------------------------------------------------------


@transaction.atomic
def form_draft_save(*, link: GuestFormLink, answers: dict[str, str]) -> GuestFormLink:
    link = GuestFormLink.objects.select_for_update().get(pk=link.pk)
    if link.is_locked or link.is_expired():
        raise FormClosed
    link.draft = answers
    link.save(update_fields=["draft"])
    return link


def _recipients(link: GuestFormLink) -> list[User]:
    """The episode's owner, else whoever added the guest, else whoever made the link."""
    owner = (link.episode.owner if link.episode else None) or link.guest.created_by
    owner = owner or link.created_by
    return [owner] if owner is not None and owner.is_active else []


def _store(link: GuestFormLink, answers: dict[str, str]) -> IntakeItem:
    text, links = summary_text(answers), links_of(answers)
    if link.item is not None:
        return intake_update_content(
            item=link.item,
            by=None,
            text=text,
            fields=answers,
            links=links,
            note="The guest sent the form again.",
        )
    item, _ = intake_create(
        source=IntakeItem.Source.FORM,
        external_id=str(link.pk),
        text=text,
        fields=answers,
        links=links,
        from_name=answers.get("name", ""),
        from_contact=link.guest.email,
        guest=link.guest,
        episode=link.episode,
        by=None,
    )
    return item


@transaction.atomic
def form_submit(
    *, link: GuestFormLink, answers: dict[str, str], rev: int, upload=None
) -> IntakeItem:
    """Create or update the link's intake item from the answers and notify its owner.

    `rev` is the submit count the page was rendered with: a replayed or second concurrent
    post of the same page is refused, so one page sends once.
    """
    link = (
        GuestFormLink.objects.select_for_update(of=("self",))
        .select_related("guest__created_by", "episode__owner", "item", "created_by")
        .get(pk=link.pk)
    )
    if link.is_locked or link.is_expired():
        raise FormClosed
    if rev != link.submit_count:
        raise ServiceError(REPLAYED, code="replayed")
    item = _store(link, answers)
    if upload is not None:
        intake_add_attachment(item=item, upload=upload, by=None)
    link.item, link.draft = item, {}
    link.submit_count += 1
    link.submitted_at = timezone.now()
    link.save(update_fields=["item", "draft", "submit_count", "submitted_at"])
    notify(
        recipients=_recipients(link),
        kind="guest_form",
        text=f"{link.guest.name} sent the guest form"
        + (" again" if link.submit_count > 1 else "")
        + ".",
        link=reverse("podcast:intake-detail", args=[item.pk]),
        dedup_key=f"guest-form:{link.pk}:{link.submit_count}",
    )
    return item
