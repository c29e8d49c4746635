"""PayTR: Turkish cards with instalments, through PayTR's iFrame API (no SDK exists; the documented scheme)."""
