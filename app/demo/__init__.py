"""The demo pages' Python code (ships to the browser beside pyfritz)."""

__all__: list[str] = []
