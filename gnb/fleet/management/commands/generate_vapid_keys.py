"""Print a new VAPID key pair for Web Push to drivers' phones (docs/operations.md, "Push messages to drivers")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gnb.fleet.push import vapid_keys_generate


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair as GNB_VAPID_PRIVATE_KEY and GNB_VAPID_PUBLIC_KEY lines. Keep the private key "
        "secret; changing the pair later makes every phone subscribe again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = vapid_keys_generate()
        self.stdout.write(f"GNB_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"GNB_VAPID_PUBLIC_KEY={public}")
        self.stdout.write("GNB_VAPID_SUBJECT=mailto:operations@example.com  # an address push services can write to")
