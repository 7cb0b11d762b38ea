"""Tests of the backup, retention and half-termly letter job bodies."""
