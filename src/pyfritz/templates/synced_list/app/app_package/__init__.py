"""The app's Python: everything in this package ships to the browser."""

__all__: list[str] = []
