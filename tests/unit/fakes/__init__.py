"""Test doubles for the browser edge (plain helpers, no tests here)."""
