"""Reading what the targets hold: sets per target, the latest complete set, where a named set can be found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gnb.ops.backups.errors import BackupError, TargetError
from gnb.ops.backups.sets import set_sort_key
from gnb.ops.backups.targets import StoredSet, Target, configured_targets


@dataclass(frozen=True)
class TargetListing:
    """The sets of one target, or the error that kept it from answering."""

    target: Target
    sets: tuple[StoredSet, ...] = ()
    error: TargetError | None = None


def backup_listings(target_names: Sequence[str] | None = None) -> list[TargetListing]:
    """Every configured target (or those named) with its sets, oldest first; an unreachable one carries its error."""
    listings = []
    for target in configured_targets(target_names):
        try:
            listings.append(TargetListing(target, tuple(target.sets())))
        except TargetError as exc:
            listings.append(TargetListing(target, error=exc))
    return listings


def latest_set_name(listings: Sequence[TargetListing]) -> str:
    """The newest complete set any reachable target holds."""
    names = {stored.name for listing in listings for stored in listing.sets if stored.complete}
    if not names:
        unreachable = [str(listing.error) for listing in listings if listing.error]
        where = ", ".join(listing.target.describe() for listing in listings)
        detail = f"; {'; '.join(unreachable)}" if unreachable else ""
        raise BackupError(f"no complete backup set in {where}{detail}")
    return max(names, key=set_sort_key)


def locations(listings: Sequence[TargetListing], name: str) -> list[Target]:
    """The targets holding the complete set ``name``, in configured order; refuse an unknown name clearly."""
    found = [listing.target for listing in listings if any(s.name == name and s.complete for s in listing.sets)]
    if found:
        return found
    unreachable = [str(listing.error) for listing in listings if listing.error]
    incomplete = [listing.target.name for listing in listings if any(s.name == name for s in listing.sets)]
    where = ", ".join(listing.target.describe() for listing in listings)
    if incomplete:
        message = f"backup set {name} is incomplete in {', '.join(incomplete)} (its manifest is missing)"
    else:
        message = f"no backup set named {name} in {where}; `manage.py backup list` shows the sets"
    if unreachable:
        message += f"; {'; '.join(unreachable)}"
    raise BackupError(message)
