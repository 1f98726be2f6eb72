# A page with a deliberate Python error: the strict guard must fail on it.
raise RuntimeError("deliberate failure for the guard test")
