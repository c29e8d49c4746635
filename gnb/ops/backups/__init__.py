"""Encrypted backups: database and media snapshots, sealed with AES-256-GCM, kept in one or more targets.

``services`` is the entry point (create, verify, restore, prune, drill); ``crypto`` is the file format;
``databases`` knows how to dump, restore and fingerprint each database engine; ``targets`` stores the sets.
"""
