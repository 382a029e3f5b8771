"""Verification: every [n] marker of a draft checked against a verbatim quote of the cited
passage; what does not check out is not shown."""
