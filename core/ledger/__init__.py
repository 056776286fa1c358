"""The append-only ledger: registering subjects, recording and correcting events, importing files,
bulk loading and synthetic data."""
