"""Passwords are stored as argon2id hashes with production-strength parameters."""

from __future__ import annotations

from argon2 import PasswordHasher, Type

from app.auth import passwords


def test_production_hasher_is_argon2id_with_strong_parameters() -> None:
    hasher = PasswordHasher()  # what app.auth.passwords builds outside the tests
    assert hasher.type is Type.ID
    assert hasher.memory_cost >= 19 * 1024  # OWASP minimum for argon2id
    assert hasher.time_cost >= 2


def test_hash_verifies_and_is_salted() -> None:
    first, second = passwords.hash_password("a long passphrase"), passwords.hash_password("a long passphrase")
    assert first.startswith("$argon2id$") and first != second
    assert passwords.verify_password(first, "a long passphrase")
    assert not passwords.verify_password(first, "a long passphrasE")
    assert not passwords.verify_password(None, "a long passphrase")


def test_password_policy_explains_itself() -> None:
    assert passwords.password_problem("short") == "Use at least 12 characters."
    assert passwords.password_problem(" padded password ") is not None
    assert passwords.password_problem("twelve chars ok") is None
