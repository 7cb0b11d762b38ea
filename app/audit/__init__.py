"""The audit log: who did what, when, from where, on a hash chain per trust that shows any rewrite."""
