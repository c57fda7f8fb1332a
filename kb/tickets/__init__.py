"""Tickets: resolved tickets in (files, webhook), where no article answered them, and the draft
articles they become."""
