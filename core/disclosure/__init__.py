"""Disclosure: who is asking, what each caller may see, the review workflow and published lists,
tokens, the audit log and exports for partner departments."""
