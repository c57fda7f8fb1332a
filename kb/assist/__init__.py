"""Agent assist: the articles and sections that answer a ticket, its triage, and what agents said
of them."""
