"""Workflow checklists: recurring attendance tasks, generated per school and period, ticked by staff."""
